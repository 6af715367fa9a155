import { accessSync, constants, existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { getHeapStatistics } from "node:v8";
import {
  bool,
  type CommonConfig,
  commonConfig,
  commonEnv,
  invalidConfig,
  parseConfig,
  port,
  trustedProxiesError,
  type UserTokenConfig,
  userTokenEnv,
} from "@supergraph/kit/runtime";
import { z } from "zod";
import { SUBGRAPHS, type SubgraphName } from "./gateway/subgraphs.ts";
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from "./http/cors.ts";
import type { QueryLimits } from "./protection/limits.ts";
import type { PersistedOperationsMode } from "./protection/persisted-operations.ts";

const MiB = 2 ** 20;
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const list = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .optional();

const apolloFlag = z
  .enum(["true", "false"], { message: "must be true or false (@apollo/gateway reads it as the exact text `true`)" })
  .optional()
  .transform((value) => value === "true");

export const env = commonEnv.extend(userTokenEnv.shape).extend({
  PORT: port(4000),
  INTERNAL_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  INVALIDATION_SHARED_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  SUPERGRAPH_PATH: z.string().optional(),
  WATCH_SUPERGRAPH: bool,
  BODY_LIMIT_BYTES: positive(2 * 1024 * 1024),
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: "must be a redis:// or rediss:// URL" }).optional(),
  REDIS_TIMEOUT_MS: positive(250),
  RESPONSE_CACHE: bool,
  RESPONSE_CACHE_KEY_PREFIX: z.string().min(1).default("supergraph:"),
  RESPONSE_CACHE_MAX_ENTRY_BYTES: positive(1024 * 1024),
  RESPONSE_CACHE_MAX_TTL_SECONDS: positive(300),
  RESPONSE_COMPRESSION: bool,
  RESPONSE_COMPRESSION_MIN_BYTES: positive(1024),
  RATE_LIMIT_PER_MINUTE: positive(600),
  DOCUMENT_CACHE_MAX_BYTES: positive(32 * MiB),
  QUERY_PLAN_CACHE_MAX_BYTES: positive(32 * MiB),
  RESPONSE_CACHE_MEMORY_MAX_BYTES: positive(64 * MiB),
  RESPONSE_CACHE_LOCAL_MAX_BYTES: positive(64 * MiB),
  RESPONSE_CACHE_TAGS_MAX_BYTES: positive(8 * MiB),
  REVOCATIONS_MAX_BYTES: positive(4 * MiB),
  TRUSTED_PROXIES: list.superRefine((items, context) => {
    const error = items && trustedProxiesError(items);
    if (error)
      context.addIssue({
        code: "custom",
        message: `${error} (comma-separated addresses, CIDR ranges or loopback, linklocal, uniquelocal)`,
      });
  }),
  CORS_ORIGINS: list,
  CORS_ALLOW_HEADERS: list,
  CORS_EXPOSE_HEADERS: list,
  LIMIT_DEPTH: positive(12),
  LIMIT_ALIASES: positive(30),
  LIMIT_TOKENS: positive(2000),
  LIMIT_ROOT_FIELDS: positive(20),
  LIMIT_COST: positive(5000),
  LIMIT_COST_LIST_SIZE: positive(10),
  ROUTER_TIMEOUT_MS: positive(30_000),
  SUBGRAPH_TIMEOUT_MS: positive(10_000),
  SUBGRAPH_MAX_CONNECTIONS: positive(128),
  PERSISTED_OPERATIONS: z.enum(["off", "log", "only"]).optional(),
  PERSISTED_OPERATIONS_MANIFEST: list,
  QUERY_PLAN_WARMUP: bool,
  PLAYGROUND: bool,
  COALESCE: bool,
  MAX_BATCH_SIZE: z.coerce.number().int().min(0, "must be 0 (batching off) or more").default(10),
  ROUTER_WORKERS: z
    .string()
    .regex(/^(auto|[1-9]\d*)$/, "must be a positive whole number or `auto` (one per core)")
    .optional(),
  PLAYGROUND_DIR: z.string().optional(),
  SUBSCRIPTIONS_PER_CLIENT: positive(20),
  SUBSCRIPTIONS_PER_CONNECTION: positive(20),
  SUBSCRIPTION_CONNECTIONS_PER_ADDRESS: positive(100),
  SUBSCRIPTION_MESSAGE_MAX_BYTES: positive(64 * 1024),
  SUBSCRIPTION_MAX_BACKLOG: positive(100),
  SUBSCRIPTION_PING_INTERVAL_MS: positive(30_000),
  SUBSCRIPTION_REVOCATION_CHECK_MS: positive(30_000),
  // Read by @apollo/gateway itself, exactly as "true"; parsed here so the plan warm-up plans as the gateway does.
  APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK: apolloFlag,
  APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK: apolloFlag,
});

/** Per subgraph: `<NAME>_URL` and `<NAME>_TIMEOUT_MS`. */
export const subgraphEnv = z.object(
  Object.fromEntries(
    SUBGRAPHS.flatMap((subgraph) => [
      [
        `${subgraph.name.toUpperCase()}_URL`,
        z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
      ],
      [`${subgraph.name.toUpperCase()}_TIMEOUT_MS`, z.coerce.number().int().positive().optional()],
    ]),
  ),
);

export interface RouterConfig extends CommonConfig {
  /** Verifies the users' access tokens (the users subgraph signs them). */
  jwt: UserTokenConfig;
  port: number;
  /** The port for operators, never exposed publicly: `/metrics`, `POST /invalidation`, health. */
  internalPort: number;
  /** The shared key `POST /invalidation` requires; the endpoint is off without one. */
  invalidationSharedKey: string | undefined;
  supergraphPath: string;
  /** Reload the supergraph when its file changes (development default). */
  watchSupergraph: boolean;
  /** Per subgraph: `<NAME>_URL` (else the routing URL in the supergraph) and its timeout. */
  subgraphs: Record<SubgraphName, { url: string | undefined; timeoutMs: number }>;
  subgraphMaxConnections: number;
  /** SUBGRAPH_TIMEOUT_MS: for subgraphs without a <NAME>_TIMEOUT_MS. */
  defaultSubgraphTimeoutMs: number;
  /** The most one request may take; longer than every subgraph's timeout. */
  routerTimeoutMs: number;
  bodyLimitBytes: number;
  /** Shared state for every replica (response cache, APQ, rate limits); in memory when unset. */
  redisUrl: string | undefined;
  /** Longest any Redis operation may take before the router goes on without it (fail open). */
  redisTimeoutMs: number;
  responseCache: {
    enabled: boolean;
    /** Prefix of every key, so several deployments can share one Redis. */
    keyPrefix: string;
    maxEntryBytes: number;
    /** Upper bound on an entry's lifetime, whatever the subgraphs' max-age says. */
    maxTtlSeconds: number;
  };
  /** Responses compressed (br, gzip, deflate) for clients that accept it, from `minBytes` up. */
  compression: { enabled: boolean; minBytes: number };
  rateLimitPerMinute: number;
  /**
   * Byte budgets of the router's per-process caches (each an LRU: over budget, the least recently used
   * entry goes), reported on `/metrics` as `cache_size_bytes` and `cache_max_bytes` by `cache`.
   */
  caches: {
    /** Parsed and validated documents (Apollo Server's document store), weighed as in the heap. */
    documentsBytes: number;
    /** Query plans, weighed as in the heap. */
    queryPlansBytes: number;
    /** The response cache's and APQ's store when there is no Redis. */
    responseStoreBytes: number;
    /** Decoded copies of entries read from the store, served for a few seconds without reading it again. */
    responseCopiesBytes: number;
    /** Purged tags' generations when there is no Redis; over budget every cached response is invalidated. */
    tagsBytes: number;
    /** Revoked sessions and users held in this process (the only copy without Redis). */
    revocationsBytes: number;
  };
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For names the client. */
  trustedProxies: string[];
  /** Browser origins allowed by CORS; `*` allows any. */
  corsOrigins: string[];
  /** Request headers browsers may send (preflight), and response headers their scripts may read. */
  cors: { allowHeaders: string[]; exposeHeaders: string[] };
  limits: QueryLimits;
  /** The manifests: Apollo's format or a flat `{ id: document }`; read again when their files change. */
  persistedOperations: { mode: PersistedOperationsMode; manifestPaths: string[] };
  /** The GraphiQL playground at GET /graphql for browsers: on in development, off in production unless set. */
  playground: { enabled: boolean; dir: string };
  /** Plan the manifest's operations at start-up and after each supergraph reload, before requests need them. */
  queryPlanWarmup: boolean;
  /** Apollo's query-planner security limits, as the gateway applies them (APOLLO_DISABLE_SECURITY_*). */
  queryPlannerSecurity: { recursiveSelectionsLimitDisabled: boolean; nonLocalSelectionsLimitDisabled: boolean };
  /** Single-flight: identical in-flight queries (per caller) execute once, and so do subgraph fetches. */
  coalesce: boolean;
  /** The most operations one batched request (a JSON array body) may hold; 0 turns batching off. */
  maxBatchSize: number;
  /** Router processes on this machine (node:cluster, sharing the port); 1 runs no cluster at all. */
  workers: number;
  subscriptions: {
    /** Live subscriptions per client (per user when signed in, else per address), over all its connections. */
    perClient: number;
    /** Live subscriptions on one WebSocket connection. */
    perConnection: number;
    /** Open WebSocket connections from one client address. */
    connectionsPerAddress: number;
    /** The largest WebSocket message a client may send. */
    messageMaxBytes: number;
    /** Events waiting for a slow client before its subscription is ended. */
    maxBacklog: number;
    /** WebSocket pings (a connection silent for two is dropped); multipart heartbeats are every 5 s, as Apollo's spec asks. */
    pingIntervalMs: number;
    /** How often a live subscription's token is checked against revocations (logOut, deleteMe, disableUser). */
    revocationCheckMs: number;
  };
}

/** The supergraph file the router serves: checked here, so a wrong path is named before anything starts. */
function supergraphPath(given: string | undefined): string {
  // `../supergraph.graphql` is the router package's root from both src/ and dist/.
  const path = given ?? fileURLToPath(new URL("../supergraph.graphql", import.meta.url));
  try {
    accessSync(path, constants.R_OK);
    if (statSync(path).isFile()) return path;
  } catch {
    // Named below.
  }
  throw invalidConfig("the router", [
    `SUPERGRAPH_PATH: no readable file at ${path} (compose one with \`npm run compose\`, or point SUPERGRAPH_PATH at one).`,
  ]);
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): RouterConfig {
  const raw = parseConfig("the router", env, source);
  const perSubgraph = parseConfig("the router", subgraphEnv, source) as Record<string, string | number | undefined>;
  const common = commonConfig(raw, "userTokens");
  const subgraphs = Object.fromEntries(
    SUBGRAPHS.map((subgraph) => {
      const prefix = subgraph.name.toUpperCase();
      return [
        subgraph.name,
        {
          url: perSubgraph[`${prefix}_URL`] as string | undefined,
          timeoutMs: (perSubgraph[`${prefix}_TIMEOUT_MS`] as number | undefined) ?? raw.SUBGRAPH_TIMEOUT_MS,
        },
      ];
    }),
  ) as RouterConfig["subgraphs"];
  const slowest = Math.max(...Object.values(subgraphs).map((subgraph) => subgraph.timeoutMs));
  if (slowest >= raw.ROUTER_TIMEOUT_MS) {
    throw invalidConfig("the router", [
      `ROUTER_TIMEOUT_MS (${raw.ROUTER_TIMEOUT_MS}) must be longer than every subgraph timeout (the longest is ${slowest}).`,
    ]);
  }
  if (common.shutdown.timeoutMs < common.shutdown.drainDelayMs + raw.ROUTER_TIMEOUT_MS) {
    throw invalidConfig("the router", [
      `SHUTDOWN_TIMEOUT_MS (${common.shutdown.timeoutMs}) must leave a request that started as the listener closed its ROUTER_TIMEOUT_MS (${raw.ROUTER_TIMEOUT_MS}) after the drain (SHUTDOWN_DRAIN_DELAY_MS, ${common.shutdown.drainDelayMs}): it counts from the signal.`,
    ]);
  }
  const internalPort = raw.INTERNAL_PORT ?? (raw.PORT === 0 ? 0 : 9090);
  if (internalPort !== 0 && internalPort === raw.PORT) {
    throw invalidConfig("the router", [
      `INTERNAL_PORT (${internalPort}) must differ from PORT: the internal port (metrics, invalidation) is never the public one.`,
    ]);
  }
  const persistedOperations = {
    // Off in development (explore freely); production should choose `only` or `log` explicitly.
    mode: raw.PERSISTED_OPERATIONS ?? "off",
    manifestPaths: raw.PERSISTED_OPERATIONS_MANIFEST ?? [
      fileURLToPath(new URL("../../sdk/persisted-operations.json", import.meta.url)),
    ],
  };
  const missingManifests = persistedOperations.manifestPaths.filter((path) => !existsSync(path));
  if (persistedOperations.mode !== "off" && missingManifests.length > 0) {
    throw invalidConfig("the router", [
      `PERSISTED_OPERATIONS_MANIFEST: PERSISTED_OPERATIONS=${persistedOperations.mode} needs every manifest it names; there is no file at ${missingManifests.join(", ")}.`,
    ]);
  }
  const workers = raw.ROUTER_WORKERS === "auto" ? availableParallelism() : Number(raw.ROUTER_WORKERS ?? 1);
  // Workers share nothing in memory: each would cache, purge and count rate limits on its own, so a
  // mutation through one worker could leave another serving stale data. Redis makes them one router.
  if (workers > 1 && !raw.REDIS_URL) {
    throw invalidConfig("the router", [
      `ROUTER_WORKERS (${raw.ROUTER_WORKERS}) needs REDIS_URL: several workers must share one response cache, its purges and the rate limits.`,
    ]);
  }
  const caches = {
    documentsBytes: raw.DOCUMENT_CACHE_MAX_BYTES,
    queryPlansBytes: raw.QUERY_PLAN_CACHE_MAX_BYTES,
    responseStoreBytes: raw.RESPONSE_CACHE_MEMORY_MAX_BYTES,
    responseCopiesBytes: raw.RESPONSE_CACHE_LOCAL_MAX_BYTES,
    tagsBytes: raw.RESPONSE_CACHE_TAGS_MAX_BYTES,
    revocationsBytes: raw.REVOCATIONS_MAX_BYTES,
  };
  // Full caches must leave the heap room for requests in flight, or the process dies of its own caches.
  const total = Object.values(caches).reduce((sum, bytes) => sum + bytes, 0);
  const heapLimit = getHeapStatistics().heap_size_limit;
  if (total > heapLimit / 2) {
    throw invalidConfig("the router", [
      `the cache budgets (DOCUMENT_CACHE_MAX_BYTES, QUERY_PLAN_CACHE_MAX_BYTES, RESPONSE_CACHE_*_MAX_BYTES, REVOCATIONS_MAX_BYTES) add up to ${Math.round(total / MiB)} MiB, more than half the heap limit (${Math.round(heapLimit / MiB)} MiB): lower them, or raise --max-old-space-size with the container's memory limit.`,
    ]);
  }
  return {
    ...common,
    caches,
    port: raw.PORT,
    // A free port too when PORT is 0 (tests start many routers at once).
    internalPort,
    invalidationSharedKey: raw.INVALIDATION_SHARED_KEY,
    supergraphPath: supergraphPath(raw.SUPERGRAPH_PATH),
    watchSupergraph: raw.WATCH_SUPERGRAPH ?? common.env === "development",
    subgraphs,
    subgraphMaxConnections: raw.SUBGRAPH_MAX_CONNECTIONS,
    defaultSubgraphTimeoutMs: raw.SUBGRAPH_TIMEOUT_MS,
    routerTimeoutMs: raw.ROUTER_TIMEOUT_MS,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    redisUrl: raw.REDIS_URL,
    redisTimeoutMs: raw.REDIS_TIMEOUT_MS,
    responseCache: {
      enabled: raw.RESPONSE_CACHE ?? true,
      keyPrefix: raw.RESPONSE_CACHE_KEY_PREFIX,
      maxEntryBytes: raw.RESPONSE_CACHE_MAX_ENTRY_BYTES,
      maxTtlSeconds: raw.RESPONSE_CACHE_MAX_TTL_SECONDS,
    },
    // On by default, as in Apollo Router; off lets a compressing proxy in front do that work instead.
    compression: { enabled: raw.RESPONSE_COMPRESSION ?? true, minBytes: raw.RESPONSE_COMPRESSION_MIN_BYTES },
    rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    trustedProxies: raw.TRUSTED_PROXIES ?? [],
    // Development answers any origin; production only the configured ones.
    corsOrigins: raw.CORS_ORIGINS ?? (common.env === "production" ? [] : ["*"]),
    cors: {
      allowHeaders: raw.CORS_ALLOW_HEADERS ?? CORS_ALLOW_HEADERS,
      exposeHeaders: raw.CORS_EXPOSE_HEADERS ?? CORS_EXPOSE_HEADERS,
    },
    limits: {
      depth: raw.LIMIT_DEPTH,
      aliases: raw.LIMIT_ALIASES,
      tokens: raw.LIMIT_TOKENS,
      rootFields: raw.LIMIT_ROOT_FIELDS,
      cost: raw.LIMIT_COST,
      listSize: raw.LIMIT_COST_LIST_SIZE,
    },
    persistedOperations,
    queryPlanWarmup: raw.QUERY_PLAN_WARMUP ?? true,
    queryPlannerSecurity: {
      recursiveSelectionsLimitDisabled: raw.APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK,
      nonLocalSelectionsLimitDisabled: raw.APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK,
    },
    coalesce: raw.COALESCE ?? true,
    maxBatchSize: raw.MAX_BATCH_SIZE,
    workers,
    subscriptions: {
      perClient: raw.SUBSCRIPTIONS_PER_CLIENT,
      perConnection: raw.SUBSCRIPTIONS_PER_CONNECTION,
      connectionsPerAddress: raw.SUBSCRIPTION_CONNECTIONS_PER_ADDRESS,
      messageMaxBytes: raw.SUBSCRIPTION_MESSAGE_MAX_BYTES,
      maxBacklog: raw.SUBSCRIPTION_MAX_BACKLOG,
      pingIntervalMs: raw.SUBSCRIPTION_PING_INTERVAL_MS,
      revocationCheckMs: raw.SUBSCRIPTION_REVOCATION_CHECK_MS,
    },
    playground: {
      enabled: raw.PLAYGROUND ?? common.env !== "production",
      dir: raw.PLAYGROUND_DIR ?? fileURLToPath(new URL("../../playground/dist", import.meta.url)),
    },
  };
}

/**
 * @apollo/gateway otherwise reports usage to Apollo and, to label it, probes cloud metadata endpoints over
 * the network at start-up: a privacy leak a router must not make on its own. It reads this variable in its
 * constructor (no option turns it off), so it is set before a gateway is built.
 */
export function disableApolloTelemetry(target: NodeJS.ProcessEnv = process.env): void {
  target.APOLLO_TELEMETRY_DISABLED = "true";
}

const testEnv = z.object({
  TEST_REDIS_URL: z
    .url({ protocol: /^rediss?$/, message: "must be a redis:// or rediss:// URL" })
    .default("redis://127.0.0.1:6379"),
});

/** The tests' settings (`@supergraph/router/testing`): the Redis they use, at 127.0.0.1:6379 unless TEST_REDIS_URL says otherwise. */
export function loadTestConfig(source: NodeJS.ProcessEnv = process.env): { redisUrl: string } {
  return { redisUrl: parseConfig("the router's tests", testEnv, source).TEST_REDIS_URL };
}
