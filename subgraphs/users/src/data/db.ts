import { createPrismaClient, findPrismaProject } from "@supergraph/db";
import type { Metrics } from "@supergraph/kit/runtime";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export const prismaProject = () => findPrismaProject("users", import.meta.url);

export function createDb(connection: { connectionString: string; poolSize: number }, metrics?: Metrics): Db {
  return createPrismaClient(
    PrismaClient,
    connection,
    metrics && ((statement, seconds) => metrics.dbQueries.observe({ statement }, seconds)),
  );
}
