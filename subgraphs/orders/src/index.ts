import { subgraphDatabase } from "@supergraph/db";
import { type Logger } from "@supergraph/kit/runtime";
import { loadSchemaFile, type RunningSubgraph, startSubgraph, type SubgraphSpec } from "@supergraph/kit/subgraph";
import type { OrdersConfig } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import { createStockClient } from "./clients/stock.ts";
import { resolvers } from "./resolvers/index.ts";

export { loadConfig, type OrdersConfig } from "./config.ts";
export type { Db } from "./data/db.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the orders subgraph with this config (see kit's startSubgraph). */
export function ordersSubgraph(config: OrdersConfig, logger?: Logger): SubgraphSpec<Db, Context> {
  const stock = createStockClient(config);
  return {
    name: "orders",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("orders", config, prismaProject),
    createDb,
    seed,
    context: (db, identity, log) => createContext({ db, config, stock, logger: log }, identity),
  };
}

export function startOrdersSubgraph(config: OrdersConfig, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(ordersSubgraph(config, logger));
}
