/**
 * The kit's runtime face: what every process of the supergraph (the router and each subgraph) runs on.
 * Typed config parsed once at start-up, the closed set of error codes, logging, metrics, tracing, the
 * HTTP server with its health endpoints, graceful shutdown, and the two tokens: the user's access token
 * and the internal token the router signs for the subgraphs. Writing a subgraph takes the subgraph face
 * (`@supergraph/kit/subgraph`) besides this one.
 */

export { type AccessLine, type AccessLog, createAccessLog } from "../access-log.ts";
export {
  bool,
  type CommonConfig,
  ConfigError,
  checkedTogether,
  commonConfig,
  commonEnv,
  invalidConfig,
  parseConfig,
  port,
  type UserTokenConfig,
  userTokenEnv,
} from "../config.ts";
export { APPLICATION_JSON, responseContentType } from "../content-type.ts";
export { appError, ErrorCode, httpStatusFor, isErrorCode, requestError, TRANSPORT_STATUSES } from "../errors.ts";
export { createHttpServer, type FrontDoor, listen, requestId, sendError, trustedProxiesError } from "../http-server.ts";
export { createInternalTokenSigner, INTERNAL_TOKEN_HEADER, signInternalToken } from "../internal-token.ts";
export { createLogger, exitAfterLogs, type Logger, serviceLogger } from "../logger.ts";
export { createErrorMasker } from "../mask-errors.ts";
export { createMetrics, type Metrics } from "../metrics.ts";
export { operationLabel, useOperationMetrics } from "../operation-metrics.ts";
export { handleShutdownSignals } from "../shutdown.ts";
export {
  injectTraceContext,
  type OperationSpan,
  startOperationSpan,
  startTracing,
  tracingEnabled,
} from "../tracing.ts";
export { typesWithin } from "../types-within.ts";
export { InvalidTokenError, signUserToken, type VerifiedToken, type Viewer, verifyUserToken } from "../user-token.ts";
