import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SignedIn, type Stack, signUp, signUpAdmin, startStack, uniqueEmail } from "../harness.ts";

// Issue #26: client input that reached Postgres and came back as HTTP 500. Each is the client's mistake:
// 400 BAD_USER_INPUT naming the field.
let stack: Stack;
let admin: SignedIn;
let author: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  [admin, author] = await Promise.all([signUpAdmin(stack), signUp(stack)]);
});
afterAll(() => stack?.close());

const NUL = "\u0000";
const UUID = "00000000-0000-4000-8000-000000000001";
const cursor = (date: string) => Buffer.from(`${date}|${UUID}`).toString("base64url");

describe("a NUL byte in a string argument (Postgres 22021)", () => {
  it.each([
    [
      "products(search:) in a variable",
      `query($s: String) { products(search: $s) { totalCount } }`,
      { s: `a${NUL}b` },
      undefined,
      "search",
    ],
    ["products(search:) inline", `{ products(search: "a\\u0000b") { totalCount } }`, {}, undefined, "search"],
    [
      "signUp's name",
      `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`,
      { input: { email: uniqueEmail(), password: "correct horse", name: `Nul${NUL}` } },
      undefined,
      "input.name",
    ],
    [
      "createPost's title",
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      { input: { title: `T${NUL}`, body: "b" } },
      "author",
      "input.title",
    ],
    [
      "createProduct's name",
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
      { input: { sku: `NUL-${Date.now()}`, name: `N${NUL}`, priceCents: 1, stock: 1 } },
      "admin",
      "input.name",
    ],
  ] as const)("refuses %s with 400 BAD_USER_INPUT", async (_label, query, variables, as, field) => {
    const token = as === "admin" ? admin.token : as === "author" ? author.token : undefined;
    const result = await stack.gql(query, variables, { token });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(result.status).toBe(400);
  });
});

describe("a cursor whose date Postgres cannot hold (22009)", () => {
  it.each([
    ["products", `query($after: String) { products(after: $after) { totalCount } }`, "0000-01-01T00:00:00.000Z"],
    ["products", `query($after: String) { products(after: $after) { totalCount } }`, "-000100-01-01T00:00:00.000Z"],
    ["posts", `query($after: String) { posts(after: $after) { totalCount } }`, "0000-06-01T00:00:00.000Z"],
  ])("refuses one in %s (%#) with 400 BAD_USER_INPUT", async (_label, query, date) => {
    const result = await stack.gql(query, { after: cursor(date) });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    expect(result.status).toBe(400);
  });
});

it("answers an APQ hash that does not match the query with 400 BAD_REQUEST, not INTERNAL_SERVER_ERROR", async () => {
  const response = await fetch(stack.routerUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({
      query: "{ __typename }",
      extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } },
    }),
  });
  const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
  expect(response.status).toBe(400);
  expect(body.errors?.[0]).toMatchObject({
    message: "provided sha does not match query",
    extensions: { code: "BAD_REQUEST" },
  });
});

describe("variables nested 5,000 deep", () => {
  it("are refused as the client's mistake, whichever way they arrive (the cache key and coalescing once threw a RangeError: 500)", async () => {
    const deep = `${'{"nested":'.repeat(5_000)}"x"${"}".repeat(5_000)}`;
    const body = `{"query":"query($s: String) { products(search: $s) { totalCount } }","variables":{"s":${deep}}}`;
    for (const accept of ["application/graphql-response+json", "application/json"]) {
      const response = await fetch(stack.routerUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept },
        body,
      });
      expect(response.status).toBeLessThan(500);
      const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(json.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });
});
