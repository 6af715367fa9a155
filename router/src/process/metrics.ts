import { createMetrics } from "@supergraph/kit/runtime";
import { Counter, Gauge, Histogram } from "prom-client";
import type { ByteBudget } from "./bounded-cache.ts";

/** The router's metrics: the shared ones (operations, errors) plus fetches, cache and rate limiting. */
export function createRouterMetrics(labels: Record<string, string> = {}) {
  const base = createMetrics("router", labels);
  const registers = [base.registry];
  const budgets: ByteBudget[] = [];
  /** A gauge read from the caches when scraped. */
  const cacheGauge = (name: string, help: string, read: (budget: ByteBudget) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["cache"] as const,
      registers,
      collect() {
        for (const budget of budgets) this.set({ cache: budget.name }, read(budget));
      },
    });
  cacheGauge(
    "cache_size_bytes",
    "Bytes held by each of the router's in-process caches (documents, query plans, response store and copies, tags, revocations).",
    (budget) => budget.bytes(),
  );
  cacheGauge(
    "cache_max_bytes",
    "Each in-process cache's byte budget (its *_MAX_BYTES setting).",
    (budget) => budget.maxBytes,
  );
  cacheGauge("cache_entries", "Entries held by each in-process cache.", (budget) => budget.entries());
  return {
    /** Reports these caches' sizes on `/metrics`. */
    watchCaches(...caches: ByteBudget[]): void {
      budgets.push(...caches);
    },
    ...base,
    subgraphFetches: new Histogram({
      name: "subgraph_fetch_duration_seconds",
      help: "Requests from the router to subgraphs, by subgraph and outcome (ok, errors, timeout, connection, error).",
      labelNames: ["subgraph", "outcome"] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    subgraphFetchesDeduplicated: new Counter({
      name: "subgraph_fetches_deduplicated_total",
      help: "Subgraph fetches answered by an identical fetch already in flight (sent once).",
      labelNames: ["subgraph"] as const,
      registers,
    }),
    subgraphRetries: new Counter({
      name: "subgraph_fetch_retries_total",
      help: "Queries sent again after a connection error (mutations never are).",
      labelNames: ["subgraph"] as const,
      registers,
    }),
    cacheResults: new Counter({
      name: "response_cache_requests_total",
      help: "Operations by response cache result (hit, miss, refresh: a hot entry executed again before it expires, bypass).",
      labelNames: ["result"] as const,
      registers,
    }),
    queryPlanLookups: new Counter({
      name: "query_plan_cache_requests_total",
      help: "Query plans looked up by the gateway, by result (hit; miss: planned while the request waited).",
      labelNames: ["result"] as const,
      registers,
    }),
    coalesced: new Counter({
      name: "coalesced_requests_total",
      help: "Requests answered with the response of an identical operation already executing (single-flight).",
      registers,
    }),
    operationCost: new Histogram({
      name: "graphql_operation_cost",
      help: "Each operation's estimated cost, those LIMIT_COST refuses included (its sum over count: the mean cost).",
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000, 100_000],
      registers,
    }),
    rateLimited: new Counter({
      name: "rate_limit_rejections_total",
      help: "Requests refused with 429 because their client was over its budget.",
      registers,
    }),
    subscriptionsActive: new Gauge({
      name: "subscriptions_active",
      help: "Live subscriptions, over every protocol.",
      registers,
    }),
    subscriptionUpstreams: new Gauge({
      name: "subscription_upstreams_active",
      help: "Subscriptions open at the subgraphs: identical subscriptions of one viewer share one.",
      registers,
    }),
    subscriptionEvents: new Counter({
      name: "subscription_events_total",
      help: "Subscription events delivered to clients (each completed from the other subgraphs).",
      registers,
    }),
    subscriptionsEnded: new Counter({
      name: "subscriptions_ended_total",
      help: "Subscriptions the router ended, by reason (expired, revoked, shutdown, upstream, slow: a client that did not read its events).",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
}
export type RouterMetrics = ReturnType<typeof createRouterMetrics>;
