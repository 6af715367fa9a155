import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import cors from "@fastify/cors";
import {
  createErrorMasker,
  createHttpServer,
  createInternalTokenSigner,
  type Logger,
  listen,
  serviceLogger,
  tracingEnabled,
  useOperationMetrics,
} from "@supergraph/kit";
import type { DocumentNode, GraphQLFormattedError } from "graphql";
import { BoundedCache, heapEstimate } from "./bounded-cache.ts";
import { createHitLane, handedOn } from "./cache/hit-lane.ts";
import { serveInvalidation } from "./cache/invalidation-endpoint.ts";
import { useResponseCache } from "./cache/plugin.ts";
import { ResponseCache } from "./cache/response-cache.ts";
import { createCacheStore } from "./cache/store.ts";
import { createCompression } from "./compression.ts";
import type { RouterConfig } from "./config.ts";
import { createContextFactory, type RouterContext } from "./context.ts";
import { corsHeaders, corsOptions } from "./cors.ts";
import { RouterDataSource } from "./datasource.ts";
import { createSubgraphFetcher } from "./fetcher.ts";
import { createGraphQLHandler } from "./graphql-handler.ts";
import { limitErrorCode, limitValidationRules } from "./limits.ts";
import { createRouterMetrics } from "./metrics.ts";
import { createPersistedOperations } from "./persisted-operations.ts";
import { servePlayground } from "./playground.ts";
import { useErrorStatus } from "./plugins/error-status.ts";
import { useOperationResolution } from "./plugins/operation-resolution.ts";
import { QueryPlanStore, QueryPlanWarmer } from "./query-plans.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { enforceRequestTimeout } from "./request-timeout.ts";
import type { SubgraphName } from "./subgraphs.ts";
import { createRevocations } from "./revocations.ts";
import { supergraphFromFile } from "./supergraph.ts";
import { clusterMetrics, workerLabels } from "./workers.ts";

export { composeSupergraph } from "./compose.ts";
export { loadConfig, type RouterConfig } from "./config.ts";
export { SUBGRAPHS } from "./subgraphs.ts";

export interface RunningRouter {
  url: string;
  /** The internal port's base URL: `/metrics`, `POST /invalidation`, health. */
  internalUrl: string;
  markShuttingDown(): void;
  close(): Promise<void>;
}

/** Starts the router: the federated gateway over the supergraph file, at `POST /graphql`. */
export async function startRouter(config: RouterConfig, logger: Logger = serviceLogger("router", config)): Promise<RunningRouter> {
  // @apollo/gateway otherwise reports usage metrics to Apollo and, to label them, probes cloud metadata
  // endpoints (AWS, GCP, Azure) over the network at start-up: a privacy leak, and outbound traffic a
  // router must not make on its own. It reads this variable in its constructor; nothing can turn it on.
  process.env.APOLLO_TELEMETRY_DISABLED = "true";
  const metrics = createRouterMetrics(workerLabels());
  const signInternalToken = createInternalTokenSigner("router", config.internalTokenSecret);
  const transports = new Map<string, ReturnType<typeof createSubgraphFetcher>>();
  const persistedOperations = createPersistedOperations({ ...config.persistedOperations, logger });
  const queryPlans = new QueryPlanStore(metrics.queryPlanLookups, config.caches.queryPlansBytes);
  // Apollo Server's own default store weighs a document as its JSON, a quarter of its heap (#26).
  const documents = new BoundedCache<DocumentNode>("documents", config.caches.documentsBytes, heapEstimate);
  const warmer = config.queryPlanWarmup ? new QueryPlanWarmer(queryPlans, persistedOperations.documents, logger) : null;
  let warming: Promise<unknown> | undefined;
  const store = createCacheStore({
    redisUrl: config.redisUrl,
    keyPrefix: config.responseCache.keyPrefix,
    timeoutMs: config.redisTimeoutMs,
    maxTtlSeconds: config.responseCache.maxTtlSeconds,
    memoryMaxBytes: config.caches.responseStoreBytes,
    tagsMaxBytes: config.caches.tagsBytes,
    logger,
  });
  const revocations = createRevocations({
    redis: store.redis,
    keyPrefix: config.responseCache.keyPrefix,
    ttlSeconds: config.jwt.expiresInSeconds,
    timeoutMs: config.redisTimeoutMs,
    maxBytes: config.caches.revocationsBytes,
    logger,
  });
  metrics.watchCaches(documents, queryPlans.plans, ...store.budgets, revocations.budget);

  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.supergraphPath, config.watchSupergraph, logger),
    // Each subgraph is reached at its `<NAME>_URL`, else at its routing URL in the supergraph (the local
    // defaults, from composition); subgraphs the config does not name (a benchmark's) get the defaults.
    buildService: ({ name, url }) => {
      const known = config.subgraphs[name as SubgraphName];
      const target = { url: known?.url ?? url ?? "", timeoutMs: known?.timeoutMs ?? config.defaultSubgraphTimeoutMs };
      let transport = transports.get(name);
      if (!transport) {
        transport = createSubgraphFetcher(name, { timeoutMs: target.timeoutMs, connections: config.subgraphMaxConnections });
        transports.set(name, transport);
      }
      return new RouterDataSource(name, target.url, transport, signInternalToken, metrics, config.coalesce, revocations);
    },
    // The gateway's plan store is ours, so that the warmer can fill it (and its lookups are counted).
    queryPlannerConfig: { cache: queryPlans },
    logger,
  });

  let loaded = false;
  let cache: ResponseCache | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    loaded = true;
    // From now on the cache answers only with entries made under this schema.
    cache?.serve(apiSchema);
    // The gateway has just cleared its plans for this supergraph; plan the persisted operations again.
    warming = warmer?.warm(coreSupergraphSdl).catch((error: unknown) => logger.error({ err: error }, "query plan warm-up failed"));
  });
  // Ready once the supergraph is loaded. Deliberately not tied to every subgraph being up: a dead subgraph
  // costs only the fields it serves (partial results), and pulling every router replica out of the load
  // balancer for it would turn a partial outage into a total one.
  const readiness = async () => {
    if (!loaded) throw new Error("supergraph not loaded yet");
  };
  // One of several workers (ROUTER_WORKERS): a scrape reaches one of them, and gets all of them.
  const metricsText = clusterMetrics(metrics.registry);
  // Metrics only on the operators' port, which the public Ingress does not route to (#26).
  const http = createHttpServer({ logger, metrics, serveMetrics: false, bodyLimitBytes: config.bodyLimitBytes, trustedProxies: config.trustedProxies, readiness });
  const internal = createHttpServer({ logger, metrics, metricsText, readiness });
  await http.app.register(cors, corsOptions(config.corsOrigins, config.cors));
  const compression = createCompression(config.compression);
  await compression.register(http.app);

  const rateLimit = createRateLimiter({
    perMinute: config.rateLimitPerMinute,
    redis: store.redis,
    keyPrefix: config.responseCache.keyPrefix,
    timeoutMs: config.redisTimeoutMs,
  });

  if (config.responseCache.enabled) {
    cache = new ResponseCache(store, compression, { ...config.responseCache, limits: config.limits, localCopiesBytes: config.caches.responseCopiesBytes });
    metrics.watchCaches(cache.copies);
    if (config.invalidationSharedKey) serveInvalidation(internal.app, cache, config.invalidationSharedKey);
  }
  const development = config.env === "development";
  const introspection = config.env !== "production";
  const maskErrors = createErrorMasker(logger, development, !introspection);
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    // Automatic persisted queries share the store (and Redis) with the response cache.
    cache: store.kv,
    documentStore: documents,
    // Compact, as cache hits are sent (Apollo Server's default indents).
    stringifyResult: (value) => JSON.stringify(value),
    // Introspection stays on outside production (tests use it); error details only in development.
    introspection,
    // Without introspection, "Did you mean …?" would reveal the schema field by field.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: development,
    // Our own signal handling stops the HTTP server first, then Apollo; Apollo's would race it.
    stopOnTerminationSignals: false,
    // Off: a cross-site request cannot act as the victim here. Credentials travel only in the
    // Authorization header, which no page can make a browser send cross-site without a CORS preflight;
    // POST bodies must be application/json (Fastify answers others 415); GET never runs a mutation
    // (Apollo Server answers 405). So GET queries work as the spec and urql send them, with no extra header.
    csrfPrevention: false,
    parseOptions: { maxTokens: config.limits.tokens },
    validationRules: limitValidationRules(config.limits),
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      const limit = limitErrorCode(formatted);
      if (limit) return { message: formatted.message, extensions: { code: limit } };
      return maskErrors(formatted, error);
    },
    plugins: [
      fastifyApolloDrainPlugin(http.app),
      ApolloServerPluginLandingPageDisabled(),
      useOperationMetrics(metrics),
      useErrorStatus(),
      useOperationResolution(),
      ...(cache ? [useResponseCache(cache, metrics)] : []),
    ],
  });
  await apollo.start();
  // Listening (and so ready) only with the supergraph's plans warm (a newer supergraph may have superseded
  // the first warm-up meanwhile: its own is awaited too). Later reloads warm up in the background.
  for (let awaited: Promise<unknown> | undefined; awaited !== warming; ) {
    awaited = warming;
    await awaited;
  }
  // Traced requests take Fastify's path, where their spans are made.
  if (cache && !tracingEnabled()) {
    http.setFrontDoor(
      createHitLane({
        cache,
        jwt: config.jwt,
        rateLimit,
        revocations,
        metrics,
        compression,
        allows: persistedOperations.allows,
        cors: corsHeaders(config.corsOrigins, config.cors.exposeHeaders),
        clientIp: http.clientIp,
        logAccess: http.logAccess,
        logger,
        isShuttingDown: http.isShuttingDown,
        isListenerClosed: http.isListenerClosed,
        bodyLimitBytes: config.bodyLimitBytes,
      }),
    );
  }
  const graphql = createGraphQLHandler({
    apollo,
    // A request the cache-hit lane looked up and handed on has spent its rate-limit point there.
    createContext: createContextFactory({ jwt: config.jwt, rateLimit, revocations, metrics, handedOn }),
    metrics,
    logger,
    cache,
    coalesce: config.coalesce,
    compression,
    maxBatchSize: config.maxBatchSize,
  });
  enforceRequestTimeout(http.app, "/graphql", config.routerTimeoutMs);
  const playground = config.playground.enabled ? await servePlayground(http.app, config.playground.dir, logger) : null;
  http.app.route({
    method: ["GET", "POST"],
    url: "/graphql",
    onRequest: playground ? [playground] : [],
    preValidation: graphql.checkBatch,
    preHandler: persistedOperations.preHandler,
    handler: graphql.handler,
  });

  const base = await listen(http.app, config.host, config.port);
  const internalUrl = await listen(internal.app, config.host, config.internalPort);
  logger.info({ internalUrl, url: `${base}/graphql` }, "router listening");
  return {
    url: `${base}/graphql`,
    internalUrl,
    markShuttingDown: () => {
      http.markShuttingDown();
      internal.markShuttingDown();
    },
    async close() {
      http.markShuttingDown();
      internal.markShuttingDown();
      persistedOperations.close();
      await http.app.close();
      await internal.app.close();
      await apollo.stop();
      await Promise.all([...transports.values()].map((transport) => transport.close()));
      await store.close();
    },
  };
}
