import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { composeServices } from "@apollo/composition";
import { RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse, subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { FederatedSubscriptions } from "./federated.ts";
import { SubgraphSubscriptionClients } from "./upstream.ts";

const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external"])`;

/** A push-driven event source per subscription, so the test decides when each event happens. */
function channel<T>() {
  const waiting: Array<(value: IteratorResult<T>) => void> = [];
  const queued: T[] = [];
  const listeners = new Set<() => void>();
  return {
    push(value: T) {
      const next = waiting.shift();
      if (next) next({ value, done: false });
      else queued.push(value);
    },
    onSubscribe(listener: () => void) {
      listeners.add(listener);
    },
    iterator(): AsyncIterableIterator<T> {
      for (const listener of listeners) listener();
      return {
        next: () => {
          const value = queued.shift();
          if (value !== undefined) return Promise.resolve({ value, done: false });
          return new Promise((resolve) => waiting.push(resolve));
        },
        return: () => Promise.resolve({ value: undefined, done: true }),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}

const orderEvents = channel<{ orderUpdated: { id: string; status: string; product: { id: string } } }>();
const seenExtensions: unknown[] = [];

const orders = {
  name: "orders",
  typeDefs: parse(`${FEDERATION}
    type Order @key(fields: "id") { id: ID! status: String! product: Product! }
    type Product @key(fields: "id", resolvable: false) { id: ID! }
    type Query { order(id: ID!): Order }
    type Subscription { orderUpdated(minimum: Int): Order! }`),
  resolvers: {
    Query: { order: () => null },
    Subscription: { orderUpdated: { subscribe: () => orderEvents.iterator() } },
  },
};
const products = {
  name: "products",
  typeDefs: parse(`${FEDERATION}
    type Product @key(fields: "id") { id: ID! name: String! }
    type Query { product(id: ID!): Product }`),
  resolvers: {
    Query: { product: (_: unknown, { id }: { id: string }) => ({ id, name: `Product ${id}` }) },
    Product: {
      __resolveReference: ({ id }: { id: string }) => (id === "missing" ? null : { id, name: `Product ${id}` }),
    },
  },
};

let ordersServer: Server;
let productsServer: ApolloServer;
let federated: FederatedSubscriptions;
let upstream: SubgraphSubscriptionClients;

beforeAll(async () => {
  const ordersSchema = buildSubgraphSchema(orders);
  ordersServer = createServer((_, response) => response.writeHead(404).end());
  const sockets = new WebSocketServer({ server: ordersServer, path: "/graphql" });
  useServer(
    {
      schema: ordersSchema,
      subscribe: (args) => subscribe(args),
      onSubscribe: (_, __, payload) => {
        seenExtensions.push(payload.extensions);
      },
    },
    sockets,
  );
  await new Promise<void>((resolve) => ordersServer.listen(0, "127.0.0.1", resolve));
  const ordersUrl = `http://127.0.0.1:${(ordersServer.address() as AddressInfo).port}/graphql`;

  productsServer = new ApolloServer({ schema: buildSubgraphSchema(products) });
  const { url: productsUrl } = await startStandaloneServer(productsServer, { listen: { port: 0, host: "127.0.0.1" } });

  const composed = composeServices([
    { ...orders, url: ordersUrl },
    { ...products, url: productsUrl },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join("\n"));
  federated = new FederatedSubscriptions(
    composed.supergraphSdl,
    new Map([["products", new RemoteGraphQLDataSource({ url: productsUrl })]]),
  );
  upstream = new SubgraphSubscriptionClients(new Map([["orders", ordersUrl]]), () => ({ token: "router" }));
});

afterAll(async () => {
  await upstream?.dispose();
  await productsServer?.stop();
  await new Promise((resolve) => ordersServer?.close(resolve));
});

const requestContext = (variables: Record<string, unknown>) =>
  ({
    request: { variables },
    context: {},
    metrics: {},
    logger: console,
    cache: undefined,
  }) as unknown as GatewayGraphQLRequestContext;

describe("FederatedSubscriptions", () => {
  it("plans the primary subgraph's subscription with only the variables it uses", () => {
    const planned = federated.plan(
      parse(
        "subscription Watch($minimum: Int, $unused: Int) { orderUpdated(minimum: $minimum) { status product { name } } }",
      ),
      "Watch",
      {
        minimum: 2,
        unused: 3,
      },
    );
    expect(planned.primary.subgraph).toBe("orders");
    expect(planned.primary.query).toMatch(/^subscription/);
    expect(planned.primary.query).toContain("orderUpdated");
    expect(planned.primary.query).not.toMatch(/\bname\b/);
    expect(planned.primary.variables).toEqual({ minimum: 2 });
  });

  it("completes each event of the primary subgraph from the others, in the client's shape", async () => {
    const document = parse("subscription { updated: orderUpdated { status product { name } } }");
    const planned = federated.plan(document, undefined, {});
    const subscribed = new Promise<void>((resolve) => orderEvents.onSubscribe(resolve));
    const events = upstream.subscribe(planned.primary, { viewer: "u1" });
    const first = events.next();
    await subscribed;
    orderEvents.push({ orderUpdated: { id: "o1", status: "PLACED", product: { id: "p1" } } });
    const event = await first;
    expect(await planned.complete(event.value, requestContext({}))).toEqual({
      data: { updated: { status: "PLACED", product: { name: "Product p1" } } },
    });

    const second = events.next();
    orderEvents.push({ orderUpdated: { id: "o1", status: "SHIPPED", product: { id: "missing" } } });
    const completed = await planned.complete((await second).value, requestContext({}));
    // Product and orderUpdated are non-null: the gateway's own null propagation, as for a query.
    expect(completed).toMatchObject({ data: null });
    await events.return?.();
    expect(seenExtensions).toContainEqual({ viewer: "u1" });
  });

  it("refuses a document that is not a subscription", () => {
    expect(() => federated.plan(parse("{ order(id: 1) { status } }"), undefined, {})).toThrow(/not a subscription/);
  });
});
