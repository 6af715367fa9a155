import cors from "@fastify/cors";
import {
  createHttpServer,
  ErrorCode,
  type Logger,
  listen,
  sendError,
  serviceLogger,
  tracingEnabled,
} from "@supergraph/kit/runtime";
import type { DocumentNode } from "graphql";
import { createHitLane, handedOn } from "./cache/hit-lane.ts";
import { serveInvalidation } from "./cache/invalidation-endpoint.ts";
import { ResponseCache } from "./cache/response-cache.ts";
import { createCacheStore } from "./cache/store.ts";
import type { RouterConfig } from "./config.ts";
import { createContextFactory } from "./context.ts";
import { createApolloServer } from "./gateway/apollo-server.ts";
import { createGateway } from "./gateway/gateway.ts";
import { QueryPlanStore, QueryPlanWarmer } from "./gateway/query-plans.ts";
import { createCompression } from "./http/compression.ts";
import { corsHeaders, corsOptions } from "./http/cors.ts";
import { createGraphQLHandler } from "./http/graphql-handler.ts";
import { servePlayground } from "./http/playground.ts";
import { parseReplayedBodies } from "./http/replay-body.ts";
import { enforceRequestTimeout } from "./http/request-timeout.ts";
import { refuseNonOperationBody } from "./http/well-formed.ts";
import { createFormatError } from "./plugins/format-error.ts";
import { BoundedCache, heapEstimate } from "./process/bounded-cache.ts";
import { createRouterMetrics } from "./process/metrics.ts";
import { clusterMetrics, workerLabels } from "./process/workers.ts";
import { createCostLimit } from "./protection/cost.ts";
import { createPersistedOperations } from "./protection/persisted-operations.ts";
import { createRateLimiter } from "./protection/rate-limit.ts";
import { createRevocations } from "./protection/revocations.ts";
import { createHttpSubscriptions } from "./subscriptions/http.ts";
import { createSubscriptionService } from "./subscriptions/service.ts";
import { serveWebSocketSubscriptions } from "./subscriptions/websocket.ts";

export { loadConfig, type RouterConfig } from "./config.ts";
export { composeSupergraph } from "./gateway/compose.ts";
export { SUBGRAPHS } from "./gateway/subgraphs.ts";

export interface RunningRouter {
  url: string;
  /** The internal port's base URL: `/metrics`, `POST /invalidation`, health. */
  internalUrl: string;
  markShuttingDown(): void;
  close(): Promise<void>;
}

/** Starts the router: the federated gateway over the supergraph file, at `POST /graphql` (see README.md, "Life of a request"). */
export async function startRouter(
  config: RouterConfig,
  logger: Logger = serviceLogger("router", config),
): Promise<RunningRouter> {
  const metrics = createRouterMetrics(workerLabels());
  const persistedOperations = createPersistedOperations({ ...config.persistedOperations, logger });
  const queryPlans = new QueryPlanStore(metrics.queryPlanLookups, config.caches.queryPlansBytes);
  // Apollo Server's own default store weighs a document as its JSON, a quarter of its heap (#26).
  const documents = new BoundedCache<DocumentNode>("documents", config.caches.documentsBytes, heapEstimate);
  const warmer = config.queryPlanWarmup
    ? new QueryPlanWarmer(queryPlans, persistedOperations.documents, logger, {}, config.queryPlannerSecurity)
    : null;
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
  // One budget per client for everything it sends: queries, mutations and subscriptions alike.
  const rateLimit = createRateLimiter({
    perMinute: config.rateLimitPerMinute,
    redis: store.redis,
    keyPrefix: config.responseCache.keyPrefix,
    timeoutMs: config.redisTimeoutMs,
  });
  const { gateway, closeTransports, dataSources, urls, signInternalToken } = createGateway({
    config,
    logger,
    metrics,
    revocations,
    queryPlans,
  });
  const costLimit = createCostLimit({
    limit: config.limits.cost,
    defaultListSize: config.limits.listSize,
    logger,
    onCost: (cost) => metrics.operationCost.observe(cost),
  });
  const subscriptions = createSubscriptionService({
    limits: config.limits,
    costLimit,
    subscriptions: {
      perClient: config.subscriptions.perClient,
      maxBacklog: config.subscriptions.maxBacklog,
      revocationCheckMs: config.subscriptions.revocationCheckMs,
    },
    permits: persistedOperations.permits,
    signInternalToken,
    revocations,
    rateLimit,
    onRateLimited: () => metrics.rateLimited.inc(),
    urls,
    dataSources,
    logger,
    onActive: (delta) => metrics.subscriptionsActive.inc(delta),
    onEvent: () => metrics.subscriptionEvents.inc(),
    onUpstreams: (size) => metrics.subscriptionUpstreams.set(size),
    onEnded: (reason) => metrics.subscriptionsEnded.inc({ reason }),
    formatError: createFormatError({
      logger,
      development: config.env === "development",
      hideSuggestions: config.env === "production",
    }),
  });

  let loaded = false;
  let cache: ResponseCache | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    loaded = true;
    costLimit.update(apiSchema, coreSupergraphSdl);
    subscriptions.update(coreSupergraphSdl);
    // From now on the cache answers only with entries made under this schema.
    cache?.serve(apiSchema);
    // The gateway has just cleared its plans for this supergraph; plan the persisted operations again.
    warming = warmer
      ?.warm(coreSupergraphSdl)
      .catch((error: unknown) => logger.error({ err: error }, "query plan warm-up failed"));
  });
  // Ready once the supergraph is loaded. Deliberately not tied to every subgraph being up: a dead subgraph
  // costs only the fields it serves (partial results), and pulling every router replica out of the load
  // balancer for it would turn a partial outage into a total one.
  const readiness = async () => {
    if (!loaded) throw new Error("supergraph not loaded yet");
  };
  // One of several workers (ROUTER_WORKERS): a scrape reaches one of them, and gets all of them.
  const metricsText = clusterMetrics(metrics.registry);
  const http = createHttpServer({
    logger,
    metrics,
    serveMetrics: false,
    bodyLimitBytes: config.bodyLimitBytes,
    trustedProxies: config.trustedProxies,
    readiness,
    // Receiving the request is part of the whole request's time (the cache-hit lane reads bodies itself).
    requestTimeoutMs: config.routerTimeoutMs,
  });
  parseReplayedBodies(http.app);
  // The operators' port, which the public Ingress does not route to: the only one serving /metrics (#26).
  const internal = createHttpServer({ logger, metrics, metricsText, readiness });
  await http.app.register(cors, corsOptions(config.corsOrigins, config.cors));
  const compression = createCompression(config.compression);
  await compression.register(http.app);

  if (config.responseCache.enabled) {
    cache = new ResponseCache(store, compression, {
      ...config.responseCache,
      rules: (schema) => [config.limits, costLimit.describe(schema)],
      trusted: persistedOperations.trusts,
      localCopiesBytes: config.caches.responseCopiesBytes,
    });
    metrics.watchCaches(cache.copies);
    if (config.invalidationSharedKey) serveInvalidation(internal.app, cache, config.invalidationSharedKey);
  }
  const apollo = createApolloServer({
    gateway,
    config,
    apq: store.apq,
    documents,
    app: http.app,
    cache,
    costLimit,
    metrics,
    logger,
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
    refusal: persistedOperations.refusal,
    spendBatch: costLimit.spend,
  });
  enforceRequestTimeout(http.app, "/graphql", config.routerTimeoutMs);
  const playground = config.playground.enabled ? await servePlayground(http.app, config.playground.dir, logger) : null;
  const streams = createHttpSubscriptions({
    service: subscriptions,
    jwt: config.jwt,
    clientIp: http.clientIp,
    heartbeatMs: 5_000,
    maxTokens: config.limits.tokens,
    refusal: persistedOperations.refusal,
  });
  http.app.route({
    method: ["GET", "POST"],
    url: "/graphql",
    onRequest: playground ? [playground] : [],
    preValidation: [refuseNonOperationBody, graphql.checkBatch],
    preHandler: persistedOperations.preHandler,
    handler: (request, reply) => {
      const stream = streams.handles(request);
      return stream ? streams.handle(stream, request, reply) : graphql.handler(request, reply);
    },
  });
  // PUT, PATCH and DELETE: a GraphQL error naming the methods this URL takes (Fastify would answer 404),
  // before any body is read. OPTIONS is CORS's preflight; HEAD reaches Apollo Server, which answers 405 with the same Allow.
  http.app.route({
    method: ["PUT", "PATCH", "DELETE"],
    url: "/graphql",
    onRequest: async (request, reply) =>
      sendError(
        reply.header("allow", "GET, POST"),
        405,
        ErrorCode.BAD_REQUEST,
        `${request.method} is not a GraphQL request: send queries with GET or POST, mutations with POST${request.method === "PUT" ? " (graphql-sse's single connection mode is not served: its default, distinct connections, is)" : ""}.`,
      ),
    handler: () => {},
  });
  const allowsOrigin = corsHeaders(config.corsOrigins, []);
  const webSockets = serveWebSocketSubscriptions({
    server: http.app.server,
    service: subscriptions,
    jwt: config.jwt,
    // No Origin: not a browser. Otherwise only the origins CORS admits.
    allowsOrigin: (origin) => origin === undefined || allowsOrigin(origin).includes("access-control-allow-origin"),
    clientIp: http.clientIp,
    maxPerConnection: config.subscriptions.perConnection,
    maxConnectionsPerAddress: config.subscriptions.connectionsPerAddress,
    maxMessageBytes: config.subscriptions.messageMaxBytes,
    maxBufferedBytes: 4 * 1024 * 1024,
    pingIntervalMs: config.subscriptions.pingIntervalMs,
    onSlowConsumer: () => metrics.subscriptionsEnded.inc({ reason: "slow" }),
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
      // Every subscription ends with its reason first (clients resubscribe elsewhere); their streams and
      // sockets would otherwise hold the server open.
      await subscriptions.close();
      await webSockets.close();
      await http.app.close();
      await internal.app.close();
      await apollo.stop();
      await closeTransports();
      await store.close();
    },
  };
}
