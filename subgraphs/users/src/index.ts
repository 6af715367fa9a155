import { subgraphDatabase } from "@supergraph/db";
import type { Logger } from "@supergraph/kit/runtime";
import { loadSchemaFile, type RunningSubgraph, type SubgraphSpec, startSubgraph } from "@supergraph/kit/subgraph";
import { type AuthGuard, createAuthGuard } from "./auth/guard.ts";
import { useRevocationReport } from "./auth/revocation-report.ts";
import type { UsersConfig } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createAdminCommand } from "./create-admin.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import { resolvers } from "./resolvers/index.ts";

export { loadConfig, type UsersConfig } from "./config.ts";
export type { Db } from "./data/db.ts";
export { SEED_USERS } from "./data/seed.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the users subgraph with this config (see kit's startSubgraph). */
export function usersSubgraph(config: UsersConfig, logger?: Logger): SubgraphSpec<Db, Context, AuthGuard> {
  return {
    name: "users",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("users", config, prismaProject),
    createDb,
    seed: (db) => seed(db, config),
    services: (metrics, logger) => createAuthGuard(config, metrics, logger),
    context: (db, identity, _logger, guard) => createContext({ db, config, guard }, identity),
    commands: { "create-admin": createAdminCommand(config) },
    plugins: [useRevocationReport()],
  };
}

export function startUsersSubgraph(config: UsersConfig, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(usersSubgraph(config, logger));
}
