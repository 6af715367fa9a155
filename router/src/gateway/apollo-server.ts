import type { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import { type Logger, useOperationMetrics } from "@supergraph/kit/runtime";
import type { FastifyInstance } from "fastify";
import type { DocumentNode } from "graphql";
import type { ResponseCache } from "../cache/response-cache.ts";
import type { RouterConfig } from "../config.ts";
import type { RouterContext } from "../context.ts";
import { useCallerCacheControl } from "../plugins/caller-cache-control.ts";
import { useCostLimit } from "../plugins/cost-limit.ts";
import { useErrorStatus } from "../plugins/error-status.ts";
import { createFormatError } from "../plugins/format-error.ts";
import { useOperationResolution } from "../plugins/operation-resolution.ts";
import { useResponseCache } from "../plugins/response-cache.ts";
import { useValueCompletion } from "../plugins/value-completion.ts";
import type { RouterMetrics } from "../process/metrics.ts";
import type { CostLimit } from "../protection/cost.ts";
import { limitValidationRules } from "../protection/limits.ts";

/** Apollo Server over the gateway, with every plugin the router runs (each hook is called in this order). */
export function createApolloServer(options: {
  gateway: ApolloGateway;
  config: RouterConfig;
  /** Automatic persisted queries' documents: the response cache's store (and Redis), bounded (cache/store.ts). */
  apq: KeyValueCache<string>;
  /** Parsed and validated documents, within DOCUMENT_CACHE_MAX_BYTES (Apollo's own store weighs a quarter of their heap). */
  documents: KeyValueCache<DocumentNode>;
  /** The public server, drained by Apollo Server as it stops. */
  app: FastifyInstance;
  cache: ResponseCache | null;
  costLimit: CostLimit;
  metrics: RouterMetrics;
  logger: Logger;
}): ApolloServer<RouterContext> {
  const { config, metrics } = options;
  const development = config.env === "development";
  const introspection = config.env !== "production";
  return new ApolloServer<RouterContext>({
    gateway: options.gateway,
    // Apollo Server's `cache` serves automatic persisted queries alone (the gateway keeps nothing in it).
    cache: options.apq,
    documentStore: options.documents,
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
    formatError: createFormatError({ logger: options.logger, development, hideSuggestions: !introspection }),
    plugins: [
      fastifyApolloDrainPlugin(options.app),
      ApolloServerPluginLandingPageDisabled(),
      useOperationMetrics(metrics),
      useErrorStatus(),
      useCallerCacheControl(),
      useOperationResolution(),
      useCostLimit(options.costLimit),
      useValueCompletion(options.logger),
      ...(options.cache ? [useResponseCache(options.cache, metrics)] : []),
    ],
  });
}
