import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signUp, startStack } from "../harness.ts";

const logs: string[] = [];
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ logs });
});
afterAll(() => stack?.close());

const parsed = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>);

describe("request ids", () => {
  it("takes the caller's x-request-id, returns it, forwards it to subgraphs, which log it", async () => {
    const result = await stack.gql(
      `{ user(id: "00000000-0000-4000-8000-000000000009") { name } }`,
      {},
      { headers: { "x-request-id": "trace-me-42" } },
    );
    expect(result.headers.get("x-request-id")).toBe("trace-me-42");
    const lines = parsed().filter((line) => line.reqId === "trace-me-42");
    expect(lines.map((line) => line.service).sort()).toEqual(["router", "users"]);
    expect(lines.find((line) => line.service === "users")).toMatchObject({
      msg: "request",
      method: "POST",
      statusCode: 200,
    });
  });

  it("generates one when the caller sends none (or an unusable one)", async () => {
    for (const header of [undefined, "bad id with spaces", "x".repeat(300)]) {
      const result = await stack.gql(`{ __typename }`, {}, { headers: header ? { "x-request-id": header } : {} });
      expect(result.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("keeps passwords, tokens and emails out of the logs", async () => {
    const user = await signUp(stack, "Private Person");
    await stack.gql(`{ me { email } }`, {}, { token: user.token });
    const all = logs.join("\n");
    expect(all).not.toContain("correct horse");
    expect(all).not.toContain(user.token);
    expect(all).not.toContain(user.email);
  });
});

describe("metrics", () => {
  // #26: metrics name operations and clients' error rates; they are for operators, not the public port.
  it("serves /metrics on the router's internal port only: the public port answers 404", async () => {
    const publicPort = await fetch(new URL("/metrics", stack.routerUrl));
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toContain("graphql_request_duration_seconds");
    const internal = await fetch(new URL("/metrics", stack.routerInternalUrl));
    expect(internal.status).toBe(200);
    expect(await internal.text()).toContain("graphql_request_duration_seconds");
  });

  async function scrape(url: string) {
    const response = await fetch(new URL("/metrics", url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    return response.text();
  }
  const value = (text: string, prefix: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith(prefix))
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);

  it("counts operations, subgraph fetches, cache results and SQL, by name", async () => {
    const before = await scrape(stack.routerInternalUrl);
    const productsBefore = await scrape(stack.products.url);
    await stack.gql(`query CountMe { products(first: 2) { totalCount } }`);
    await stack.gql(`query CountMe { products(first: 2) { totalCount } }`);
    const after = await scrape(stack.routerInternalUrl);
    const productsAfter = await scrape(stack.products.url);
    const operation = 'graphql_request_duration_seconds_count{service="router",operation="CountMe",outcome="ok"}';
    expect(value(after, operation) - value(before, operation)).toBe(2);
    expect(value(after, 'subgraph_fetch_duration_seconds_count{service="router",subgraph="products"')).toBeGreaterThan(
      value(before, 'subgraph_fetch_duration_seconds_count{service="router",subgraph="products"'),
    );
    expect(value(after, "response_cache_requests_total") - value(before, "response_cache_requests_total")).toBe(2);
    expect(value(productsAfter, "db_query_duration_seconds_count")).toBeGreaterThan(
      value(productsBefore, "db_query_duration_seconds_count"),
    );
    // The first was executed, and costed 1 (the second may have been a cache hit, never costed).
    expect(
      value(after, "graphql_operation_cost_sum") - value(before, "graphql_operation_cost_sum"),
    ).toBeGreaterThanOrEqual(1);
    expect(after).toContain("rate_limit_rejections_total");
    expect(after).toContain("process_cpu_seconds_total");
  });
});
