import { subgraphDatabase } from "@supergraph/db";
import type { Logger } from "@supergraph/kit/runtime";
import {
  createEventBus,
  loadSchemaFile,
  type RunningSubgraph,
  type SubgraphSpec,
  startSubgraph,
} from "@supergraph/kit/subgraph";
import { createStockClient } from "./clients/stock.ts";
import type { OrdersConfig } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import type { Events, OrderEvents } from "./events/index.ts";
import { resolvers } from "./resolvers/index.ts";
import { createBuyerQueue } from "./rules/open-orders.ts";

export { loadConfig, type OrdersConfig } from "./config.ts";
export type { Db } from "./data/db.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the orders subgraph with this config (see kit's startSubgraph). */
export function ordersSubgraph(config: OrdersConfig, logger?: Logger): SubgraphSpec<Db, Context, Events> {
  const stock = createStockClient(config);
  const placing = createBuyerQueue();
  return {
    name: "orders",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("orders", config, prismaProject),
    createDb,
    seed,
    services: (_metrics, log) => createEventBus<OrderEvents>({ ...config.events, logger: log }),
    context: (db, identity, log, events) =>
      createContext({ db, config, stock, logger: log, events, placing }, identity),
  };
}

export function startOrdersSubgraph(config: OrdersConfig, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(ordersSubgraph(config, logger));
}
