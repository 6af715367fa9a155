import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { droppedLogLines } from "./logger.ts";

/**
 * Prometheus metrics of one service, in a registry of its own (several services can share a process in
 * tests without their counters mixing). Served at `GET /metrics`. `labels`: more labels on every series
 * (a router worker's id).
 */
export function createMetrics(service: string, labels: Record<string, string> = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service, ...labels });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    graphqlRequests: new Histogram({
      name: "graphql_request_duration_seconds",
      help: "GraphQL operations served, by operation name and outcome (ok or the first error code).",
      labelNames: ["operation", "outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dbQueries: new Histogram({
      name: "db_query_duration_seconds",
      help: "SQL statements sent to this service's database, by kind (SELECT, INSERT, BEGIN, …).",
      labelNames: ["statement"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    logLinesDropped: new Counter({
      name: "log_lines_dropped_total",
      help: "Log lines this process dropped because stdout was not read fast enough.",
      registers: [registry],
      // Read when scraped: the count lives with the loggers (logger.ts), which exist before any registry.
      collect() {
        this.reset();
        this.inc(droppedLogLines());
      },
    }),
    errors: new Counter({
      name: "graphql_errors_total",
      help: "Errors returned to callers, by code.",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
