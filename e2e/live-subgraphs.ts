import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { appError, createLogger, createMetrics, ErrorCode } from "@supergraph/kit/runtime";
import {
  createEventBus,
  type InternalIdentity,
  loadSubgraphConfig,
  startSubgraphServer,
} from "@supergraph/kit/subgraph";
import { parse } from "graphql";
import { testEnv } from "./harness.ts";

/**
 * Two small subgraphs for testing the router's subscriptions apart from the shop's own events: `ticks`
 * (kit's subgraph server, so its subscriptions are served as every kit subgraph serves them) publishes
 * `Tick`s, public and per owner, and `items` (plain Apollo Server over HTTP) completes each tick's item.
 */
const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])`;

const ticksTypeDefs = `${FEDERATION}
  type Tick { n: Int! owner: String item: Item! }
  type Item @key(fields: "id", resolvable: false) { id: ID! }
  type Query { lastTick: Int }
  type Subscription {
    "Every tick."
    ticks: Tick!
    "The signed-in viewer's ticks only."
    myTicks: Tick!
  }`;

const itemsTypeDefs = `${FEDERATION}
  type Item @key(fields: "id") { id: ID! name: String! }
  type Query { item(id: ID!): Item }`;

export interface TickEvent {
  n: number;
  owner?: string;
  item: { id: string };
}

export interface LiveSupergraph {
  supergraphPath: string;
  publish(tick: TickEvent): void;
  close(): Promise<void>;
}

interface TicksContext {
  viewer: InternalIdentity["viewer"];
  invalidations: Set<string>;
}

export async function startLive(): Promise<LiveSupergraph> {
  const logger = createLogger("ticks", "silent");
  const events = createEventBus<{ tick: [TickEvent] }>({ channelPrefix: "live:", logger });
  let last = 0;
  const resolvers = {
    Query: { lastTick: () => last },
    Subscription: {
      ticks: { subscribe: () => events.subscribe("tick"), resolve: (tick: TickEvent) => tick },
      myTicks: {
        subscribe: async function* (_: unknown, __: unknown, context: TicksContext) {
          const viewer = context.viewer;
          if (!viewer) throw appError(ErrorCode.UNAUTHENTICATED, "Sign in to see your ticks.");
          for await (const tick of events.subscribe("tick")) if (tick.owner === viewer.userId) yield tick;
        },
        resolve: (tick: TickEvent) => tick,
      },
    },
  };
  const config = { ...loadSubgraphConfig("ticks", 0, testEnv()), port: 0 };
  const ticks = await startSubgraphServer<TicksContext>({
    name: "ticks",
    config,
    typeDefs: parse(ticksTypeDefs),
    resolvers: resolvers as never,
    logger,
    metrics: createMetrics("ticks"),
    context: (identity) => ({ viewer: identity.viewer, invalidations: new Set() }),
    readiness: async () => {},
  });
  const items = new ApolloServer({
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    schema: buildSubgraphSchema({
      typeDefs: parse(itemsTypeDefs),
      resolvers: {
        Item: {
          __resolveReference: ({ id }: { id: string }) => ({ id, name: `Item ${id}` }),
          // Items named "slow…" take a while: a subscription's events then arrive faster than they are delivered.
          name: async ({ id, name }: { id: string; name: string }) => {
            if (id.startsWith("slow")) await new Promise((resolve) => setTimeout(resolve, 300));
            return name;
          },
        },
        Query: { item: (_: unknown, { id }: { id: string }) => ({ id, name: `Item ${id}` }) },
      } as never,
    }),
  });
  const { url: itemsUrl } = await startStandaloneServer(items, { listen: { port: 0, host: "127.0.0.1" } });
  const composed = composeServices([
    { name: "ticks", url: ticks.url, typeDefs: parse(ticksTypeDefs) },
    { name: "items", url: itemsUrl, typeDefs: parse(itemsTypeDefs) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join("; "));
  const dir = mkdtempSync(join(tmpdir(), "live-"));
  const supergraphPath = join(dir, "supergraph.graphql");
  writeFileSync(supergraphPath, composed.supergraphSdl);
  return {
    supergraphPath,
    publish(tick) {
      last = tick.n;
      events.publish("tick", tick);
    },
    async close() {
      await ticks.stop();
      await items.stop();
      await events.close();
    },
  };
}
