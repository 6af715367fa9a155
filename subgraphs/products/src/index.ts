import { subgraphDatabase } from "@supergraph/db";
import type { Logger } from "@supergraph/kit/runtime";
import {
  createEventBus,
  loadSchemaFile,
  type RunningSubgraph,
  type SubgraphSpec,
  startSubgraph,
} from "@supergraph/kit/subgraph";
import type { ProductsConfig } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import type { Events, ProductEvents } from "./events/index.ts";
import { resolvers } from "./resolvers/index.ts";

export { loadConfig, type ProductsConfig } from "./config.ts";
export type { Db } from "./data/db.ts";
export { seedProductId } from "./data/seed.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the products subgraph with this config (see kit's startSubgraph). */
export function productsSubgraph(config: ProductsConfig, logger?: Logger): SubgraphSpec<Db, Context, Events> {
  return {
    name: "products",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("products", config, prismaProject),
    createDb,
    seed: (db) => seed(db),
    services: (_metrics, log) => createEventBus<ProductEvents>({ ...config.events, logger: log }),
    context: (db, identity, _log, events) => createContext({ db, config, events }, identity),
  };
}

export function startProductsSubgraph(config: ProductsConfig, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(productsSubgraph(config, logger));
}
