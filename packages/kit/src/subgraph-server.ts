import { ApolloServer, type ApolloServerPlugin, type BaseContext } from "@apollo/server";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
// Type only: @apollo/subgraph does not re-export its resolver map type from the package root.
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/index.js";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import type { FastifyRequest } from "fastify";
import type { DocumentNode } from "graphql";
import { useCacheTags } from "./cache-tags.ts";
import type { CommonConfig } from "./config.ts";
import { ErrorCode, requestError } from "./errors.ts";
import { createHttpServer, listen } from "./http-server.ts";
import { INTERNAL_TOKEN_HEADER, type InternalIdentity, verifyInternalToken } from "./internal-token.ts";
import { type InvalidationContext, useInvalidationReport } from "./invalidation.ts";
import type { Logger } from "./logger.ts";
import { createErrorMasker } from "./mask-errors.ts";
import type { Metrics } from "./metrics.ts";
import { refuseNulBytes } from "./nul-bytes.ts";
import { useOperationMetrics } from "./operation-metrics.ts";
import { serveSubscriptions } from "./subscription-server.ts";

const DOCUMENT_STORE_JSON_BYTES = 4 * 2 ** 20;

/**
 * A subgraph's resolver map, typed in the subgraph by the `Resolvers` generated from its schema.graphql.
 * Not Apollo's GraphQLResolverMap: it types `__resolveReference(reference, context, info)` as a field resolver.
 */
export type SubgraphResolvers = object;

export interface SubgraphServerOptions<TContext extends BaseContext & InvalidationContext> {
  name: string;
  config: Pick<CommonConfig, "env" | "host" | "internalTokenSecret"> & { port: number; cacheDefaultMaxAge: number };
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  logger: Logger;
  metrics: Metrics;
  /** Builds the per-request context once the caller's identity is verified. */
  context: (identity: InternalIdentity, request?: FastifyRequest) => TContext;
  readiness: () => Promise<void>;
  plugins?: ApolloServerPlugin<TContext>[];
}

/**
 * Starts one subgraph: Apollo Server with the federation schema at `POST /graphql`, behind the shared
 * health and metrics endpoints. Every GraphQL request must carry a valid internal token (see
 * internal-token.ts): subgraphs trust no caller but the router and their sibling services.
 */
export async function startSubgraphServer<TContext extends BaseContext & InvalidationContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<{ url: string; stop(): Promise<void>; markShuttingDown(): void }> {
  const { config, logger } = options;
  const http = createHttpServer({ logger, metrics: options.metrics, readiness: options.readiness });
  // Introspection stays on outside production (tests use it); error details only in development.
  const introspection = config.env !== "production";
  const development = config.env === "development";
  // buildSubgraphSchema types resolvers with an `unknown` context; ours are typed with the real one.
  const schema = refuseNulBytes(
    buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
  );
  const apollo = new ApolloServer<TContext>({
    schema,
    // Apollo's default store holds 30 MiB of documents' JSON, about 120 MiB of heap (four times), and
    // a flood of distinct operations fills it: this one about 16 MiB (bench/README.md, "Subgraph memory").
    documentStore: new InMemoryLRUCache<DocumentNode>({ maxSize: DOCUMENT_STORE_JSON_BYTES }),
    introspection,
    // Without introspection, "Did you mean …?" would reveal the schema field by field.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: development,
    // Our own signal handling stops the HTTP server first, then Apollo; Apollo's would race it.
    stopOnTerminationSignals: false,
    formatError: createErrorMasker(logger, development, !introspection),
    plugins: [
      fastifyApolloDrainPlugin(http.app),
      ApolloServerPluginLandingPageDisabled(),
      // Computes each response's Cache-Control from the schema's @cacheControl hints; the router's
      // response cache follows it.
      ApolloServerPluginCacheControl({ defaultMaxAge: config.cacheDefaultMaxAge }),
      // Federated traces (ftv1) only feed Apollo Studio, which we do not use; they cost time per field.
      ApolloServerPluginInlineTraceDisabled(),
      useOperationMetrics(options.metrics),
      // What each query returned and what each mutation changed, for the router's response cache.
      useCacheTags<TContext>(),
      useInvalidationReport<TContext>(),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (request) => {
      const header = request.headers[INTERNAL_TOKEN_HEADER];
      const identity = verifyInternalToken(typeof header === "string" ? header : undefined, config.internalTokenSecret);
      if (!identity) {
        throw requestError(
          ErrorCode.UNAUTHENTICATED,
          `The ${options.name} subgraph only accepts requests from the router.`,
        );
      }
      return options.context(identity, request);
    },
  });
  http.app.route({ method: ["GET", "POST", "OPTIONS"], url: "/graphql", handler });
  const subscriptions = schema.getSubscriptionType()
    ? serveSubscriptions({
        name: options.name,
        server: http.app.server,
        schema,
        internalTokenSecret: config.internalTokenSecret,
        context: (identity) => options.context(identity),
        logger,
      })
    : undefined;
  const url = await listen(http.app, config.host, config.port);
  logger.info({ url: `${url}/graphql` }, `${options.name} subgraph listening`);
  return {
    url: `${url}/graphql`,
    markShuttingDown: http.markShuttingDown,
    async stop() {
      http.markShuttingDown();
      await subscriptions?.close();
      await http.app.close();
      await apollo.stop();
    },
  };
}
