export {
  bool,
  type CommonConfig,
  ConfigError,
  commonConfig,
  commonEnv,
  loadSubgraphConfig,
  nodeEnv,
  parseConfig,
  port,
  type SubgraphConfig,
} from "./config.ts";
export {
  appError,
  badUserInput,
  ErrorCode,
  forbidden,
  httpStatusFor,
  isErrorCode,
  notFound,
  requestError,
  TRANSPORT_STATUSES,
  unauthenticated,
} from "./errors.ts";
export { APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, responseContentType } from "./content-type.ts";
export { type AccessLine, type AccessLog, createAccessLog } from "./access-log.ts";
export { createHttpServer, type FrontDoor, sendError, type HttpServer, listen, requestId } from "./http-server.ts";
export {
  createInternalTokenSigner,
  INTERNAL_TOKEN_HEADER,
  type InternalIdentity,
  signInternalToken,
  verifyInternalToken,
} from "./internal-token.ts";
export { createLogger, exitAfterLogs, type Logger, serviceLogger } from "./logger.ts";
export { createErrorMasker } from "./mask-errors.ts";
export { createMetrics, type Metrics } from "./metrics.ts";
export { createEventBus, type EventBus } from "./events.ts";
export { operationLabel, useOperationMetrics } from "./operation-metrics.ts";
export { injectTraceContext, startTracing, traceRequests, tracingEnabled } from "./tracing.ts";
export { handleShutdownSignals, type ShutdownOptions } from "./shutdown.ts";
export { startSubgraphServer, type SubgraphServerOptions } from "./subgraph-server.ts";
export { InvalidTokenError, isRole, type Role, signUserToken, type VerifiedToken, type Viewer, verifyUserToken } from "./user-token.ts";
export { createByIdLoader, createGroupLoader, isUuid } from "./loaders.ts";
export { validate } from "./validation.ts";
export { type RunningSubgraph, type SubgraphDatabase, type SubgraphPlugin, type SubgraphSpec, startSubgraph } from "./subgraph.ts";
export { loadSchemaFile } from "./schema-file.ts";
export { CommandError, runSubgraphCli } from "./subgraph-cli.ts";
export { canAccess, requireAdmin, requireCaller, requireViewer } from "./guards.ts";
export { type CallOptions, createServiceClient, type ServiceCall, ServiceUnreachableError } from "./service-client.ts";
export { decodeCursor, encodeCursor, type Position, toConnection } from "./cursor.ts";
export { entityTagOf, useCacheTags } from "./cache-tags.ts";
export { entityTag, type InvalidationContext, invalidate, useInvalidationReport } from "./invalidation.ts";
