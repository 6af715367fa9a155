import { subgraphDatabase } from "@supergraph/db";
import type { Logger } from "@supergraph/kit/runtime";
import {
  createEventBus,
  loadSchemaFile,
  type RunningSubgraph,
  type SubgraphSpec,
  startSubgraph,
} from "@supergraph/kit/subgraph";
import { createProductsClient } from "./clients/products.ts";
import type { PostsConfig } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import type { Events, PostEvents } from "./events/index.ts";
import { resolvers } from "./resolvers/index.ts";

export { loadConfig, type PostsConfig } from "./config.ts";
export type { Db } from "./data/db.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the posts subgraph with this config (see kit's startSubgraph). */
export function postsSubgraph(config: PostsConfig, logger?: Logger): SubgraphSpec<Db, Context, Events> {
  const products = createProductsClient(config);
  return {
    name: "posts",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("posts", config, prismaProject),
    createDb,
    seed,
    services: (_metrics, log) => createEventBus<PostEvents>({ ...config.events, logger: log }),
    context: (db, identity, _log, events) => createContext({ db, config, products, events }, identity),
  };
}

export function startPostsSubgraph(config: PostsConfig, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(postsSubgraph(config, logger));
}
