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
  const post = (body: string, accept?: string) =>
    fetch(stack.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...(accept ? { accept } : {}) },
      body,
    });
  const cases: Array<[string, string, string, number]> = [
    [
      "an unknown operation name",
      JSON.stringify({ query: "query A { __typename }", operationName: "B" }),
      "OPERATION_RESOLUTION_FAILURE",
      400,
    ],
    [
      "several operations and no name",
      JSON.stringify({ query: "query A { __typename } query B { __typename }" }),
      "OPERATION_RESOLUTION_FAILURE",
      400,
    ],
    ["a subscription", JSON.stringify({ query: "subscription { __typename }" }), "BAD_REQUEST", 400],
    ["a validation failure", JSON.stringify({ query: "{ nope }" }), "GRAPHQL_VALIDATION_FAILED", 400],
    ["malformed JSON", '{"query":', "BAD_REQUEST", 400],
    ["a refused token", JSON.stringify({ query: "{ __typename }" }), "UNAUTHENTICATED", 401],
  ];
  for (const [what, body, code, status] of cases) {
    it(`${what}: 200 for application/json, ${status} for application/graphql-response+json, ${code} in both`, async () => {
      for (const [accept, expected, type] of [
        ["application/json", 200, "application/json"],
        [undefined, 200, "application/json"],
        ["*/*", 200, "application/json"],
        ["application/graphql-response+json, application/json;q=0.9", status, "application/graphql-response+json"],
      ] as const) {
        const response =
          code === "UNAUTHENTICATED"
            ? await fetch(stack.routerUrl, {
                method: "POST",
                headers: {
                  "content-type": "application/json",
                  authorization: "Bearer forged",
                  ...(accept ? { accept } : {}),
                },
                body,
              })
            : await post(body, accept);
        expect(response.status, `${what}, accept ${accept}`).toBe(expected);
        expect(response.headers.get("content-type"), `${what}, accept ${accept}`).toContain(type);
        const json = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
        expect(json.errors[0]?.extensions.code, `${what}, accept ${accept}`).toBe(code);
      }
    });
  }
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
