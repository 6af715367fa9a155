import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { gql } from "../harness.ts";
import { ROUTER_LISTENING, startProcess } from "../processes.ts";

// Traces across real processes (one OpenTelemetry provider each, as in production): the router and the
// users subgraph export to a local OTLP/HTTP collector, which this test runs.
interface ExportedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

const spans: ExportedSpan[] = [];
let collector: Server;
let collectorUrl: string;
const database = await testDatabaseSettings("users");
const productsDatabase = await testDatabaseSettings("products");

beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const payload = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<Omit<ExportedSpan, "service">> }>;
        }>;
      };
      for (const resourceSpans of payload.resourceSpans) {
        const service =
          resourceSpans.resource.attributes.find((attribute) => attribute.key === "service.name")?.value.stringValue ??
          "";
        for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
  await database.drop();
  await productsDatabase.drop();
});

const start = (entry: string, env: Record<string, string>, listening: RegExp) =>
  startProcess(entry, { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, ...env }, listening);

it("follows one request from the router into a subgraph and down to its SQL, in one trace", async () => {
  const users = await start(
    "subgraphs/users/src/main.ts",
    { USERS_PORT: "0", ...database.env },
    /"url":"(http:[^"]+)","msg":"users subgraph listening"/,
  );
  const router = await start(
    "router/src/main.ts",
    { PORT: "0", USERS_URL: users.url, RESPONSE_CACHE: "false" },
    ROUTER_LISTENING,
  );
  const result = await gql(router.url, `{ user(id: "00000000-0000-4000-8000-000000000001") { name } }`);
  expect(result.errors).toBeUndefined();
  // Stopping flushes each process's spans to the collector.
  router.child.kill("SIGTERM");
  users.child.kill("SIGTERM");
  expect(await router.exit).toBe(0);
  expect(await users.exit).toBe(0);

  const routerServer = spans.find((span) => span.service === "router" && span.name === "POST /graphql");
  expect(routerServer).toBeDefined();
  const trace = spans.filter((span) => span.traceId === routerServer?.traceId);
  const byId = new Map(trace.map((span) => [span.spanId, span]));
  const usersServer = trace.find((span) => span.service === "users" && span.name === "POST /graphql");
  expect(usersServer, "the subgraph's span is in the router's trace").toBeDefined();
  // Its parent is the gateway's fetch span, in the router.
  expect(byId.get(usersServer?.parentSpanId ?? "")?.service).toBe("router");
  const sql = trace.filter((span) => span.service === "users" && span.name.startsWith("prisma:"));
  expect(sql.length, "Prisma's spans are in the same trace").toBeGreaterThan(0);
});

it("follows a subscription from the client's trace: one span from its start to its end, with why it ended", async () => {
  const products = await start(
    "subgraphs/products/src/main.ts",
    { PRODUCTS_PORT: "0", ...productsDatabase.env },
    /"url":"(http:[^"]+)","msg":"products subgraph listening"/,
  );
  const router = await start(
    "router/src/main.ts",
    { PORT: "0", PRODUCTS_URL: products.url, RESPONSE_CACHE: "false" },
    ROUTER_LISTENING,
  );
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentId = "00f067aa0ba902b7";
  // Over SSE, for a product that does not exist: the products subgraph refuses it, which ends it.
  const response = await fetch(router.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      traceparent: `00-${traceId}-${parentId}-01`,
    },
    body: JSON.stringify({
      query: "subscription Watch($id: ID!) { productUpdated(id: $id) { id } }",
      variables: { id: "00000000-0000-4000-8000-00000000dead" },
    }),
  });
  expect(await response.text()).toContain("errors");
  router.child.kill("SIGTERM");
  products.child.kill("SIGTERM");
  expect(await router.exit).toBe(0);
  expect(await products.exit).toBe(0);

  const subscription = spans.find((span) => span.service === "router" && span.name === "subscription Watch");
  expect(subscription, "the router's subscription span").toBeDefined();
  expect(subscription?.traceId).toBe(traceId);
  expect(subscription?.parentSpanId).toBe(parentId);
  expect(subscription?.attributes).toEqual(
    expect.arrayContaining([{ key: "supergraph.subscription.end_reason", value: { stringValue: "refused" } }]),
  );
});
