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
import type { GraphQLFormattedError } from "graphql";
import { FastPath } from "./cache/fast-path.ts";
import { createHitLane, rateLimitedInLane } from "./cache/hit-lane.ts";
import { useCacheInvalidation } from "./cache/invalidation.ts";
import { documentToPlan, stringifyResponse, useResponseCache } from "./cache/plugin.ts";
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
import { QueryPlanStore, QueryPlanWarmer } from "./query-plans.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { enforceRequestTimeout } from "./request-timeout.ts";
import type { SubgraphName } from "./subgraphs.ts";
import { supergraphFromFile } from "./supergraph.ts";
import { clusterMetrics, workerLabels } from "./workers.ts";

export { composeSupergraph } from "./compose.ts";
export { loadConfig, type RouterConfig } from "./config.ts";
export { SUBGRAPHS } from "./subgraphs.ts";

export interface RunningRouter {
  url: string;
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
  const queryPlans = new QueryPlanStore(metrics.queryPlanLookups);
  // With the response cache on (its plugin below), queries are planned with its tagging fields added.
  const warmer = config.queryPlanWarmup
    ? new QueryPlanWarmer(queryPlans, persistedOperations.documents, logger, config.responseCache.enabled ? documentToPlan : undefined)
    : null;
  let warming: Promise<unknown> | undefined;
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
      return new RouterDataSource(name, target.url, transport, signInternalToken, metrics, config.coalesce);
    },
    // The gateway's plan store is ours, so that the warmer can fill it (and its lookups are counted).
    queryPlannerConfig: { cache: queryPlans },
    logger,
  });

  let loaded = false;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    loaded = true;
    // The gateway has just cleared its plans for this supergraph; plan the persisted operations again.
    warming = warmer?.warm(coreSupergraphSdl).catch((error: unknown) => logger.error({ err: error }, "query plan warm-up failed"));
  });
  const http = createHttpServer({
    logger,
    metrics,
    // One of several workers (ROUTER_WORKERS): a scrape reaches one of them, and gets all of them.
    metricsText: clusterMetrics(metrics.registry),
    bodyLimitBytes: config.bodyLimitBytes,
    trustedProxies: config.trustedProxies,
    // Ready once the supergraph is loaded. Deliberately not tied to every subgraph being up: a dead
    // subgraph costs only the fields it serves (partial results), and pulling every router replica out of
    // the load balancer for it would turn a partial outage into a total one.
    readiness: async () => {
      if (!loaded) throw new Error("supergraph not loaded yet");
    },
  });
  await http.app.register(cors, corsOptions(config.corsOrigins));
  const compression = createCompression(config.compression);
  await compression.register(http.app);

  const store = createCacheStore({
    redisUrl: config.redisUrl,
    keyPrefix: config.responseCache.keyPrefix,
    timeoutMs: config.redisTimeoutMs,
    maxTtlSeconds: config.responseCache.maxTtlSeconds,
    logger,
  });
  const rateLimit = createRateLimiter({
    perMinute: config.rateLimitPerMinute,
    redis: store.redis,
    keyPrefix: config.responseCache.keyPrefix,
    timeoutMs: config.redisTimeoutMs,
  });

  const fastPath = config.responseCache.enabled ? new FastPath(store, compression) : null;
  const development = config.env === "development";
  const introspection = config.env !== "production";
  const maskErrors = createErrorMasker(logger, development, !introspection);
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    // Automatic persisted queries share the store (and Redis) with the response cache.
    cache: store.kv,
    stringifyResult: stringifyResponse,
    // Introspection stays on outside production (tests use it); error details only in development.
    introspection,
    // Without introspection, "Did you mean …?" would reveal the schema field by field.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: development,
    // Our own signal handling stops the HTTP server first, then Apollo; Apollo's would race it.
    stopOnTerminationSignals: false,
    // On by default in Apollo Server; stated because the router depends on it: a GET or a "simple"
    // POST (form, text/plain) cannot run an operation without a preflighted header.
    csrfPrevention: true,
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
      {
        // Coalescing shares only queries: record what the operation is once Apollo knows.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              contextValue.execution.operationType = operation?.operation;
            },
          };
        },
      },
      ...(fastPath ? [...useResponseCache({ store, metrics, fastPath, ...config.responseCache }), useCacheInvalidation(store)] : []),
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
  if (fastPath && !tracingEnabled()) {
    http.setFrontDoor(
      createHitLane({
        fastPath,
        jwt: config.jwt,
        rateLimit,
        metrics,
        compression,
        allows: persistedOperations.allows,
        cors: corsHeaders(config.corsOrigins),
        clientIp: http.clientIp,
        logAccess: http.logAccess,
        logger,
        isShuttingDown: http.isShuttingDown,
        bodyLimitBytes: config.bodyLimitBytes,
      }),
    );
  }
  const handler = createGraphQLHandler({
    apollo,
    // A request the cache-hit lane looked up and handed on has spent its rate-limit point there.
    createContext: createContextFactory({ jwt: config.jwt, rateLimit, metrics, alreadySpent: rateLimitedInLane }),
    metrics,
    logger,
    fastPath,
    coalesce: config.coalesce,
    compression,
  });
  enforceRequestTimeout(http.app, "/graphql", config.routerTimeoutMs);
  const playground = config.playground.enabled ? await servePlayground(http.app, config.playground.dir, logger) : null;
  http.app.route({
    method: ["GET", "POST"],
    url: "/graphql",
    onRequest: playground ? [playground] : [],
    preHandler: persistedOperations.preHandler,
    handler,
  });

  const base = await listen(http.app, config.host, config.port);
  logger.info({ url: `${base}/graphql` }, "router listening");
  return {
    url: `${base}/graphql`,
    markShuttingDown: http.markShuttingDown,
    async close() {
      http.markShuttingDown();
      await http.app.close();
      await apollo.stop();
      await Promise.all([...transports.values()].map((transport) => transport.close()));
      await store.close();
    },
  };
}
