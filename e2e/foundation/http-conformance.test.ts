import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../harness.ts";

// The GraphQL-over-HTTP spec's own server audit (graphql-http's `serverAudits`) against the real router:
// every MUST and SHOULD passes (a failed SHOULD is a "warn", which fails here too). A MAY may be a
// "notice": several ask for 400 where the spec's SHOULD for application/json asks for 200.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

describe("GraphQL-over-HTTP server audit", () => {
  for (const audit of serverAudits({ url: () => stack.routerUrl, fetchFn: fetch })) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      const required = /^(MUST|SHOULD)\b/.test(audit.name);
      expect(
        required ? result.status : result.status.replace("notice", "ok"),
        "reason" in result
          ? `${result.reason}: ${JSON.stringify(result.response ? { status: result.response.status, headers: Object.fromEntries(result.response.headers) } : {})}`
          : "",
      ).toBe("ok");
    });
  }
});

describe("the status a client sees, by the media type it accepts", () => {
  const post = (body: string, accept?: string, authorization?: string) =>
    fetch(stack.routerUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(accept ? { accept } : {}),
        ...(authorization ? { authorization } : {}),
      },
      body,
    });
  // [what, body, code, status for application/json, status for application/graphql-response+json]. The
  // spec: a well-formed request's errors are 200 in application/json; one that is not well-formed (a body
  // that is not JSON, invalid parameters) is 400 whatever the media type.
  const cases: Array<[string, string, string, number, number]> = [
    [
      "an unknown operation name",
      JSON.stringify({ query: "query A { __typename }", operationName: "B" }),
      "OPERATION_RESOLUTION_FAILURE",
      200,
      400,
    ],
    [
      "several operations and no name",
      JSON.stringify({ query: "query A { __typename } query B { __typename }" }),
      "OPERATION_RESOLUTION_FAILURE",
      200,
      400,
    ],
    ["a subscription", JSON.stringify({ query: "subscription { __typename }" }), "BAD_REQUEST", 200, 400],
    ["a document that does not parse", JSON.stringify({ query: "{" }), "GRAPHQL_PARSE_FAILED", 200, 400],
    ["a validation failure", JSON.stringify({ query: "{ nope }" }), "GRAPHQL_VALIDATION_FAILED", 200, 400],
    ["a refused token", JSON.stringify({ query: "{ __typename }" }), "UNAUTHENTICATED", 200, 401],
    ["malformed JSON", '{"query":', "BAD_REQUEST", 400, 400],
    ["an empty body", "", "BAD_REQUEST", 400, 400],
    ["no query", JSON.stringify({ qeury: "{ __typename }" }), "BAD_REQUEST", 400, 400],
    ["a query that is not a string", JSON.stringify({ query: 5 }), "BAD_REQUEST", 400, 400],
    [
      "variables that are not a map",
      JSON.stringify({ query: "{ __typename }", variables: [7] }),
      "BAD_REQUEST",
      400,
      400,
    ],
    ["a body that is not an object", "null", "BAD_REQUEST", 400, 400],
    ["a body that is a JSON string", '"{ __typename }"', "BAD_REQUEST", 400, 400],
    ["an empty object", "{}", "BAD_REQUEST", 400, 400],
  ];
  for (const [what, body, code, jsonStatus, status] of cases) {
    it(`${what}: ${jsonStatus} for application/json, ${status} for application/graphql-response+json, ${code} in both`, async () => {
      for (const [accept, expected, type] of [
        ["application/json", jsonStatus, "application/json"],
        [undefined, jsonStatus, "application/json"],
        ["*/*", jsonStatus, "application/json"],
        ["application/graphql-response+json, application/json;q=0.9", status, "application/graphql-response+json"],
      ] as const) {
        const response = await post(body, accept, code === "UNAUTHENTICATED" ? "Bearer forged" : undefined);
        expect(response.status, `${what}, accept ${accept}`).toBe(expected);
        expect(response.headers.get("content-type"), `${what}, accept ${accept}`).toContain(type);
        const json = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
        expect(json.errors[0]?.extensions.code, `${what}, accept ${accept}`).toBe(code);
      }
    });
  }

  it("says what a body that is not an operation lacks, not that its Content-Type is wrong", async () => {
    for (const [body, message] of [
      ["{}", "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension."],
      ['[{ "query": "{ __typename }" }, {}]', "GraphQL operations must contain a non-empty `query`"],
      ["null", "The request body must be a JSON object"],
      ['"{ __typename }"', "The request body must be a JSON object"],
      ["5", "The request body must be a JSON object"],
    ] as const) {
      const json = (await (await post(body, "application/json")).json()) as { errors: Array<{ message: string }> };
      expect(json.errors[0]?.message, body).toContain(message);
    }
  });

  it("a GET whose variables or extensions are null runs as without them (the spec allows null for both)", async () => {
    const query = encodeURIComponent("query Q($first: Int) { products(first: $first) { totalCount } }");
    const expected = await (await fetch(`${stack.routerUrl}?query=${query}`)).json();
    for (const params of ["variables=null", "extensions=null", "variables=null&extensions=null", "variables=%20null"]) {
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const response = await fetch(`${stack.routerUrl}?query=${query}&${params}`, { headers: { accept } });
        expect(response.status, `${params}, ${accept}`).toBe(200);
        expect(await response.json(), `${params}, ${accept}`).toEqual(expected);
      }
    }
  });

  it("a GET up to 64 KiB of URL runs (Node's 16 KiB refused long queries); past it, 431 in the GraphQL shape", async () => {
    // A comment: length without tokens (LIMIT_TOKENS counts no comment).
    const url = (bytes: number) =>
      `${stack.routerUrl}?query=${encodeURIComponent(`{ __typename }\n# ${"x".repeat(bytes)}`)}`;
    const long = await fetch(url(40_000));
    expect(long.status).toBe(200);
    expect(await long.json()).toEqual({ data: { __typename: "Query" } });
    const tooLong = await fetch(url(70_000));
    expect(tooLong.status).toBe(431);
    const json = (await tooLong.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(json.errors[0]?.extensions.code).toBe("PAYLOAD_TOO_LARGE");
    expect(json.errors[0]?.message).toContain("POST");
  });

  it("a GET without a query: 400 for every client", async () => {
    for (const accept of ["application/json", "application/graphql-response+json"]) {
      const response = await fetch(stack.routerUrl, { headers: { accept } });
      expect(response.status, accept).toBe(400);
      const json = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(json.errors[0]?.extensions.code, accept).toBe("BAD_REQUEST");
    }
  });
});

it("lists Accept in Vary on a cacheable GET, a miss and a hit alike (its Content-Type follows Accept)", async () => {
  const url = `${stack.routerUrl}?query=${encodeURIComponent("{ products(first: 1) { totalCount } }")}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const response = await fetch(url, { headers: { accept: "application/graphql-response+json" } });
    expect(response.headers.get("cache-control")).toMatch(/public/);
    expect(response.headers.get("vary")?.split(/,\s*/)).toContain("Accept");
    await response.text();
  }
});
