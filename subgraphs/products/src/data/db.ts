import { createPrismaClient, findPrismaProject } from "@supergraph/db";
import type { Metrics } from "@supergraph/kit";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export const prismaProject = () => findPrismaProject("products", import.meta.url);

export function createDb(connectionString: string, metrics?: Metrics): Db {
  return createPrismaClient(PrismaClient, connectionString, metrics && ((statement, seconds) => metrics.dbQueries.observe({ statement }, seconds)));
}
