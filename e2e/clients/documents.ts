// What the client tests share: an app's documents, as its developers write them, and a fetch that records
// what each client sent and got.

export const PAGE = `
query ProductPage($first: Int, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    edges { cursor node { id name priceCents } }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const PRODUCT = `query ProductById($id: ID!) { product(id: $id) { id name priceCents } }`;
// Only the id comes back: a refetch, not the mutation's result, brings the new price into a client's cache.
export const SET_PRICE = `mutation SetPrice($id: ID!, $priceCents: Int!) { updateProduct(id: $id, input: { priceCents: $priceCents }) { id } }`;

export const LOG_IN = `mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;

export interface Page {
  products: {
    edges: Array<{ cursor: string; node: { id: string; name: string; priceCents: number } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
export interface ProductData {
  product: { id: string; name: string; priceCents: number };
}

export const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");

export interface RecordedCall {
  method: string;
  status: number;
  contentType: string | null;
  body: string | undefined;
  url?: string;
}

/** A fetch that records each request's method, URL and body, and its response's status and Content-Type. */
export function recordingFetch(): { fetch: typeof fetch; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    calls.push({
      method: init?.method ?? "GET",
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: typeof init?.body === "string" ? init.body : undefined,
    });
    Object.defineProperty(calls.at(-1), "url", { value: url, enumerable: false });
    return response;
  };
  return { fetch: recording as typeof fetch, calls };
}
