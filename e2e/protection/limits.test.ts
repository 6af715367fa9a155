import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, type Stack, signUp, startStack } from "../harness.ts";

let stack: Stack;
let strict: { url: string; close(): Promise<void> };
beforeAll(async () => {
  stack = await startStack();
  strict = await stack.startRouter({
    BODY_LIMIT_BYTES: "2000",
    LIMIT_DEPTH: "4",
    LIMIT_ALIASES: "3",
    LIMIT_TOKENS: "80",
    LIMIT_ROOT_FIELDS: "2",
    LIMIT_COST: "40",
  });
});
afterAll(() => stack?.close());

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> },
  };
}

describe("requests that never reach GraphQL", () => {
  it("refuses a body over the limit (2 MB by default) with 413, before parsing it", async () => {
    const huge = JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(2 * 1024 * 1024) } });
    const result = await post(stack.routerUrl, huge);
    expect(result.status).toBe(413);
    expect(result.body.errors?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
    // Not even valid JSON: refused for its size alone, so it was never parsed.
    const garbage = await post(strict.url, `{${"x".repeat(5000)}`);
    expect(garbage.status).toBe(413);
  });

  it("answers malformed JSON with a clear message: 400 to every client, as the spec asks", async () => {
    const result = await post(stack.routerUrl, `{"query": "{ __typename }"`, {
      accept: "application/graphql-response+json",
    });
    expect(result.status).toBe(400);
    expect((await post(stack.routerUrl, `{"query": "{ __typename }"`)).status).toBe(400);
    expect(result.body.errors?.[0]).toMatchObject({ extensions: { code: "BAD_REQUEST" } });
    expect(result.body.errors?.[0]?.message).toMatch(/not valid JSON/);
  });
});

describe("query limits, checked before execution", () => {
  const cases: Array<[string, string, string]> = [
    ["depth", `{ me { posts { products { posts { author { name } } } } } }`, "DEPTH_LIMIT_EXCEEDED"],
    ["aliases", `{ a: me { id } b: me { id } c: me { id } d: me { id } }`, "ALIAS_LIMIT_EXCEEDED"],
    ["root fields", `{ me { id } post(id: "x") { id } product(id: "x") { id } }`, "ROOT_FIELD_LIMIT_EXCEEDED"],
    [
      "root fields, spread through fragments",
      `{ me { id } ...F ... on Query { product(id: "x") { id } } } fragment F on Query { post(id: "x") { id } }`,
      "ROOT_FIELD_LIMIT_EXCEEDED",
    ],
    ["tokens", `{ ${Array.from({ length: 30 }, () => "me { id }").join(" ")} }`, "TOKEN_LIMIT_EXCEEDED"],
    ["cost", `{ products { edges { node { name } } } }`, "COST_LIMIT_EXCEEDED"],
  ];
  it.each(cases)("refuses a query over the %s limit with 400 and its own code", async (_limit, query, code) => {
    const result = await gql(strict.url, query);
    expect(result.status).toBe(400);
    expect(result.errors?.map((error) => error.extensions?.code)).toContain(code);
    expect(result.data ?? null).toBeNull();
  });

  it("costs `first` given as a variable as it costs it written in the query", async () => {
    // products 1 + edges n × (edge 1 + node 1): 41 at 20, over the limit of 40.
    const query = `query Page($n: Int) { products(first: $n) { edges { node { name } } } }`;
    const over = await gql(strict.url, query, { n: 20 });
    expect([over.status, over.errors?.[0]?.extensions?.code]).toEqual([400, "COST_LIMIT_EXCEEDED"]);
    expect(over.errors?.[0]?.message).toBe("Cost limit of 40 exceeded, found 41.");
    const within = await gql(strict.url, query, { n: 2 });
    expect([within.status, within.errors]).toEqual([200, undefined]);
    // As written in the query, and left to the field's assumed size (its default page): the same refusal.
    const literal = await gql(strict.url, `{ products(first: 20) { edges { node { name } } } }`);
    expect(literal.errors?.[0]?.message).toBe("Cost limit of 40 exceeded, found 41.");
    const unsliced = await gql(strict.url, `{ products { edges { node { name } } } }`);
    expect(unsliced.errors?.[0]?.message).toBe("Cost limit of 40 exceeded, found 41.");
  });

  it("multiplies lists within lists, so an answer cannot grow with the square of the data under the limit", async () => {
    // A product's posts are at most `first` (default 20), a post's products at most 20 (a write-time cap).
    const walk = (n: number) => `{ product(id: "x") { posts(first: ${n}) { products { name } } } }`;
    // 1 + n × (1 + 20 × 1)
    expect((await gql(strict.url, walk(1))).status).toBe(200);
    const over = await gql(strict.url, walk(2));
    expect(over.errors?.[0]?.message).toBe("Cost limit of 40 exceeded, found 43.");
  });

  it("runs a query within every limit", async () => {
    const result = await gql(strict.url, `{ me { id } }`);
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ me: null });
  });

  it("has defaults that let a walk through every subgraph run", async () => {
    const { token } = await signUp(stack, "Walker");
    const result = await stack.gql<{ me: { orders: unknown[]; posts: unknown[] } }>(
      `{ me { orders(first: 5) { items { product { name } } } posts(first: 5) { products { name posts(first: 5) { author { name } } } } } }`,
      {},
      { token },
    );
    expect([result.status, result.errors]).toEqual([200, undefined]);
    expect(result.data?.me).toEqual({ orders: [], posts: [] });
  });

  it("refuses variables it cannot read with 400 BAD_USER_INPUT, as execution would, and never a 500", async () => {
    const invalid = await gql(strict.url, `query P($n: Int) { products(first: $n) { totalCount } }`, { n: "many" });
    expect([invalid.status, invalid.errors?.[0]?.extensions?.code]).toEqual([400, "BAD_USER_INPUT"]);
    expect(invalid.errors?.[0]?.message).toMatch(/Variable "\$n" got invalid value "many"/);
    // Valid for its type, but null where the directive needs a Boolean.
    const nullIf = await gql(strict.url, `query P($b: Boolean = true) { me @include(if: $b) { id } }`, { b: null });
    expect([nullIf.status, nullIf.errors?.[0]?.extensions?.code]).toEqual([400, "BAD_USER_INPUT"]);
    expect(nullIf.errors?.[0]?.message).toBe('Argument "if" of non-null type "Boolean!" must not be null.');
  });
});

describe("CSRF and CORS", () => {
  it("runs a GET query without any extra header, as the spec and urql send it, and never a mutation over GET", async () => {
    const url = (query: string) => `${stack.routerUrl}?query=${encodeURIComponent(query)}`;
    const simple = await fetch(url("{ __typename }"));
    expect(simple.status).toBe(200);
    expect(await simple.json()).toEqual({ data: { __typename: "Query" } });
    const mutation = await fetch(url(`mutation { logIn(email: "a@example.com", password: "x") { token } }`), {
      headers: { accept: "application/graphql-response+json" },
    });
    expect(mutation.status).toBe(405);
  });

  it("answers PUT, PATCH, DELETE and HEAD on /graphql with 405 and Allow: GET, POST, before reading the body", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const response = await fetch(stack.routerUrl, {
        method,
        headers: { "content-type": "text/plain" },
        body: "not even JSON",
      });
      expect([method, response.status, response.headers.get("allow")]).toEqual([method, 405, "GET, POST"]);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe("BAD_REQUEST");
    }
    // HEAD is Apollo Server's to answer, with the same methods.
    const head = await fetch(`${stack.routerUrl}?query=${encodeURIComponent("{ __typename }")}`, { method: "HEAD" });
    expect([head.status, head.headers.get("allow")]).toEqual([405, "GET, POST"]);
  });

  it("refuses a POST of any body but JSON (a form, text: simple cross-site requests) with 415", async () => {
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", "query=%7B__typename%7D"],
      ["text/plain", '{"query":"{ __typename }"}'],
      ["text/plain;charset=utf-8", '{"query":"{ __typename }"}'],
      [
        "multipart/form-data; boundary=x",
        '--x\r\ncontent-disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--',
      ],
    ]) {
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const response = await fetch(stack.routerUrl, {
          method: "POST",
          headers: { "content-type": type as string, accept },
          body,
        });
        expect(response.status, `${type}, ${accept}`).toBe(415);
        const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
        expect(json.errors?.[0]?.extensions?.code, `${type}, ${accept}`).toBe("UNSUPPORTED_MEDIA_TYPE");
      }
    }
  });

  it("allows only the configured origins", async () => {
    const router = await stack.startRouter({ CORS_ORIGINS: "https://app.example.com" });
    const preflight = (origin: string) =>
      fetch(router.url, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,authorization",
        },
      });
    const allowed = await preflight("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const denied = await preflight("https://evil.example.com");
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    await router.close();
  });
});
