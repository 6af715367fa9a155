import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import {
  createErrorMasker,
  createHttpServer,
  createInternalTokenSigner,
  createLogger,
  createMetrics,
  type Logger,
  listen,
  useOperationMetrics,
} from "@supergraph/kit";
import type { RouterConfig } from "./config.ts";
import { createContext, type RouterContext } from "./context.ts";
import { useCacheInvalidation } from "./cache/invalidation.ts";
import { stripCacheFields, useResponseCache } from "./cache/plugin.ts";
import { createCacheStore } from "./cache/store.ts";
import { RouterDataSource } from "./datasource.ts";
import { useErrorStatus } from "./plugins/error-status.ts";
import type { SubgraphName } from "./subgraphs.ts";
import { supergraphFromFile } from "./supergraph.ts";

export { loadConfig, type RouterConfig } from "./config.ts";
export { composeSupergraph } from "./compose.ts";
export { SUBGRAPHS } from "./subgraphs.ts";

export interface RunningRouter {
  url: string;
  close(): Promise<void>;
}

/** Starts the router: the federated gateway over the supergraph file, at `POST /graphql`. */
export async function startRouter(config: RouterConfig, logger: Logger = createLogger("router", config.logLevel)) {
  // @apollo/gateway otherwise reports usage metrics to Apollo and, to label them, probes cloud metadata
  // endpoints (AWS, GCP, Azure) over the network at start-up: a privacy leak, and outbound traffic a
  // router must not make on its own. It reads this variable in its constructor; nothing can turn it on.
  process.env.APOLLO_TELEMETRY_DISABLED = "true";
  const metrics = createMetrics("router");
  const signInternalToken = createInternalTokenSigner("router", config.internalTokenSecret);
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.supergraphPath, config.watchSupergraph, logger),
    buildService: ({ name }) => new RouterDataSource(config.subgraphUrls[name as SubgraphName], signInternalToken),
    logger,
  });

  let loaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
    loaded = true;
  });
  const http = createHttpServer({
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    // Ready once the supergraph is loaded. Deliberately not tied to every subgraph being up: a dead
    // subgraph costs only the fields it serves (partial results), and pulling every router replica out of
    // the load balancer for it would turn a partial outage into a total one.
    readiness: async () => {
      if (!loaded) throw new Error("supergraph not loaded yet");
    },
  });

  // Introspection stays on outside production (tests use it); error details only in development.
  const introspection = config.env !== "production";
  const development = config.env === "development";
  const store = createCacheStore({
    redisUrl: config.redisUrl,
    keyPrefix: config.responseCache.keyPrefix,
    timeoutMs: config.redisTimeoutMs,
    maxTtlSeconds: config.responseCache.maxTtlSeconds,
    logger,
  });
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    // Automatic persisted queries share the store (and Redis) with the response cache.
    cache: store.kv,
    stringifyResult: stripCacheFields,
    introspection,
    includeStacktraceInErrorResponses: development,
    // Our own signal handling stops the HTTP server first, then Apollo; Apollo's would race it.
    stopOnTerminationSignals: false,
    formatError: createErrorMasker(logger, development),
    plugins: [
      fastifyApolloDrainPlugin(http.app),
      ApolloServerPluginLandingPageDisabled(),
      useOperationMetrics(metrics),
      useErrorStatus(),
      ...(config.responseCache.enabled
        ? [...useResponseCache({ store, ...config.responseCache }), useCacheInvalidation(store)]
        : []),
    ],
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => createContext(request, config.jwt),
  });
  http.app.route({ method: ["GET", "POST", "OPTIONS"], url: "/graphql", handler });

  const base = await listen(http.app, config.host, config.port);
  logger.info({ url: `${base}/graphql` }, "router listening");
  return {
    url: `${base}/graphql`,
    metrics,
    async close() {
      http.markShuttingDown();
      await http.app.close();
      await apollo.stop();
      await store.close();
    },
  };
}
