import { PrismaPg } from "@prisma/adapter-pg";
import { observeQueries, type QueryEvent } from "./observe.ts";

type QueryObservable = { $on(event: "query", listener: (event: QueryEvent) => void): void };

/**
 * Creates a subgraph's generated PrismaClient over the `pg` driver adapter (no Rust engine), reporting
 * each SQL statement's kind and duration to `onStatement` when given.
 */
export function createPrismaClient<T>(
  // biome-ignore lint/suspicious/noExplicitAny: each subgraph's generated client has its own option types.
  PrismaClient: new (options: any) => T,
  connection: { connectionString: string; poolSize: number },
  onStatement?: (kind: string, seconds: number) => void,
): T {
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString: connection.connectionString, max: connection.poolSize }),
    log: onStatement ? [{ emit: "event", level: "query" }] : [],
  });
  if (onStatement) observeQueries(client as unknown as QueryObservable, onStatement);
  return client;
}
