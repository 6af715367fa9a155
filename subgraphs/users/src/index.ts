import { subgraphDatabase } from "@supergraph/db";
import { loadSchemaFile, type Logger, type RunningSubgraph, type SubgraphSpec, startSubgraph } from "@supergraph/kit";
import type { UsersConfig } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import { resolvers } from "./resolvers/index.ts";

export { loadConfig, type UsersConfig } from "./config.ts";
export type { Db } from "./data/db.ts";
export { SEED_USERS } from "./data/seed.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the users subgraph with this config (see kit's startSubgraph). */
export function usersSubgraph(config: UsersConfig, logger?: Logger): SubgraphSpec<Db, Context> {
  return {
    name: "users",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("users", config, prismaProject),
    createDb,
    seed: (db) => seed(db, config),
    context: (db, identity) => createContext(db, config, identity),
  };
}

export function startUsersSubgraph(config: UsersConfig, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(usersSubgraph(config, logger));
}
