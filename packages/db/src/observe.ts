/** What Prisma's `query` event carries (with `log: [{ emit: "event", level: "query" }]`). */
export interface QueryEvent {
  query: string;
  duration: number;
}

/** The SQL statement's kind (SELECT, INSERT, BEGIN, …): a bounded label for metrics. */
export function statementKind(sql: string): string {
  const match = /^\s*([a-z]+)/i.exec(sql);
  return match?.[1]?.toUpperCase() ?? "OTHER";
}

/**
 * Reports every SQL statement a Prisma client sends. Subgraphs feed this into their
 * `db_query_duration_seconds` metric, which is also how tests count statements per operation.
 */
export function observeQueries(
  client: { $on(event: "query", listener: (event: QueryEvent) => void): void },
  onStatement: (kind: string, seconds: number) => void,
): void {
  client.$on("query", (event) => onStatement(statementKind(event.query), event.duration / 1000));
}
