import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Duplex } from "node:stream";
import proxyAddr from "@fastify/proxy-addr";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import { type AccessLog, createAccessLog } from "./access-log.ts";
import { APPLICATION_JSON, responseContentType } from "./content-type.ts";
import { ErrorCode } from "./errors.ts";
import { drainKeepAliveOnClose } from "./keep-alive-drain.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { traceRequests, tracingEnabled } from "./tracing.ts";

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Resolves when the service's dependencies are reachable; throws (with a reason) otherwise. */
  readiness: () => Promise<void>;
  bodyLimitBytes?: number;
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by default. */
  trustedProxies?: string[];
  /** What `GET /metrics` serves; this service's registry by default (a cluster worker serves all workers'). */
  metricsText?: () => Promise<string>;
  /**
   * Serve `GET /metrics` here (the default). Off on a public port: metrics name operations, clients'
   * error rates and cache sizes, for operators only (the router serves them on its internal port).
   * @default true
   */
  serveMetrics?: boolean;
  /**
   * How long a client has to send its whole request, headers and body; past it the connection gets 408
   * and is closed. Without it, a body sent a byte at a time held its connection for as long as it took.
   * @default 30_000
   */
  requestTimeoutMs?: number;
}

/**
 * A stage in front of Fastify, for the few requests worth answering without its per-request machinery:
 * it answers itself, or calls `next()` to hand the request on to Fastify.
 */
export type FrontDoor = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

export interface HttpServer {
  app: FastifyInstance;
  /** Puts a stage in front of Fastify (one; a second call replaces the first). */
  setFrontDoor(front: FrontDoor): void;
  /** The client's address, as Fastify's `request.ip` works it out (X-Forwarded-For only from trusted proxies). */
  clientIp(request: IncomingMessage): string;
  /** Access lines, one per request (the router's cache-hit lane writes its own through this). */
  logAccess: AccessLog;
  /** Readiness turns false at once, so load balancers stop sending new requests while in-flight ones finish. */
  markShuttingDown(): void;
  isShuttingDown(): boolean;
  /** The listener has closed: responses now tell clients to reconnect elsewhere (`connection: close`). */
  isListenerClosed(): boolean;
}

// A request id from a client or an upstream proxy is kept only if it looks like one: it ends up in logs
// and response headers, so arbitrary text (newlines, megabytes) is not accepted.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's `x-request-id` when it looks like one, else a new UUID. */
export function requestId(headers: IncomingHttpHeaders): string {
  const header = headers["x-request-id"];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Why a TRUSTED_PROXIES list is refused, as @fastify/proxy-addr reads it (addresses, CIDR ranges, `loopback`…); null when it is not. */
export function trustedProxiesError(trusted: readonly string[]): string | null {
  try {
    proxyAddr.compile([...trusted]);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A query string as URLSearchParams reads it, as Apollo Server reads a GET's parameters: one reading for
 * the router's checks and cache key and for what runs. (Fastify's own kept a value whose escapes are not
 * UTF-8 undecoded, where Apollo Server decodes them to U+FFFD: one request's answer was cached under
 * another's key.) A name given more than once has all its values, in order.
 */
export function parseQueryString(search: string): Record<string, string | string[]> {
  const parsed: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(search)) {
    const before = parsed[name];
    parsed[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return parsed;
}

/**
 * An HTTP-level refusal in the GraphQL error shape, in the media type the client's Accept prefers (so
 * clients parse every error the same way, code included), with the same status for either: the
 * GraphQL-over-HTTP spec asks for a 4xx for a request that is not well-formed, whatever the media type.
 */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  options: { extensions?: Record<string, unknown> } = {},
): FastifyReply {
  const type = responseContentType(reply.request.headers.accept) ?? APPLICATION_JSON;
  return reply
    .code(status)
    .type(type)
    .send(JSON.stringify({ errors: [{ message, extensions: { ...options.extensions, code } }] }));
}

/**
 * The HTTP shell every service shares: `GET /health/live` (the process answers), `GET /health/ready`
 * (its dependencies answer, and it is not shutting down), `GET /metrics` (Prometheus, unless `serveMetrics` is off), request ids
 * (`x-request-id`, taken from the caller or generated, returned and logged), one access log line per
 * request, and clear answers to requests that never reach GraphQL: 413 for a body over the limit
 * (refused while reading, before any parsing), 400 for malformed JSON.
 */
/**
 * The request line and headers one request may have. Node's 16 KiB refused a GET whose query an
 * application sends by POST well within LIMIT_TOKENS (Apollo Client's `useGETForQueries`, urql, a CDN-cached
 * GET): 140 fragments in a 20 KB URL. Nothing is allocated ahead for it.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * What Node refuses before there is a request (a request line and headers over MAX_HEADER_BYTES, bytes
 * that are not HTTP, a request not sent in time), in the GraphQL error shape of every other refusal, so
 * that clients find its code where they find any other (Fastify's default answers a shape of its own).
 */
function refuseClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, ErrorCode.BAD_REQUEST, "The request was not sent in time."]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [
            431,
            ErrorCode.PAYLOAD_TOO_LARGE,
            `The request's URL and headers exceed ${MAX_HEADER_BYTES / 1024} KiB: send a long query by POST, or by its persisted id.`,
          ]
        : [400, ErrorCode.BAD_REQUEST, "The request is not valid HTTP."];
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  let shuttingDown = false;
  let listenerClosed = false;
  const bodyLimit = options.bodyLimitBytes ?? 2 * 1024 * 1024;
  let front: FrontDoor | undefined;
  const trusted = options.trustedProxies && options.trustedProxies.length > 0 ? options.trustedProxies : undefined;
  const trust = trusted ? proxyAddr.compile(trusted) : undefined;
  const app = Fastify({
    // The server Fastify would create, with the same settings, and a front door. (With a server of
    // its own, Fastify listens on one address only: HOST=localhost means IPv4 or IPv6, not both.)
    serverFactory: (handler, settings) => {
      const requestTimeout = options.requestTimeoutMs ?? 30_000;
      // Node checks the requests' deadlines at this interval (30 s by default, so up to twice the timeout).
      const connectionsCheckingInterval = Math.max(250, Math.min(30_000, Math.floor(requestTimeout / 4)));
      const server = createServer(
        { connectionsCheckingInterval, maxHeaderSize: MAX_HEADER_BYTES },
        (request, response) => {
          if (front) front(request, response, () => handler(request, response));
          else handler(request, response);
        },
      );
      const { keepAliveTimeout, connectionTimeout } = settings as {
        keepAliveTimeout?: number;
        connectionTimeout?: number;
      };
      server.keepAliveTimeout = keepAliveTimeout ?? 72_000;
      server.requestTimeout = requestTimeout;
      server.headersTimeout = Math.min(server.headersTimeout, requestTimeout);
      server.setTimeout(connectionTimeout ?? 0);
      drainKeepAliveOnClose(server, () => {
        listenerClosed = true;
      });
      return server;
    },
    loggerInstance: options.logger as FastifyBaseLogger,
    // Fastify's own per-request logs are replaced by the single access line below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    trustProxy: trusted ?? false,
    genReqId: (request) => requestId(request.headers),
    // Stopping, the server answers every request that reaches it on a connection still open (with
    // `connection: close`): a 503, or destroying "idle" sockets, would fail requests the client had
    // already sent. Idle keep-alive connections are ended gracefully instead (keep-alive-drain.ts).
    forceCloseConnections: false,
    return503OnClosing: false,
    routerOptions: { querystringParser: parseQueryString },
    clientErrorHandler: refuseClientError,
  });

  // JSON bodies only: a text POST (as a form, a "simple" cross-site request) gets the 415 of every other type.
  app.removeContentTypeParser("text/plain");
  if (tracingEnabled()) traceRequests(app);
  // Hooks on every request take Fastify's callback form: an async hook costs a promise and a microtask
  // turn per request, measurable on a cache hit.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    // Once the listener has closed, every response tells its client to reconnect (elsewhere). Not sooner:
    // a client told so while the listener is still open reconnects here, and a connection still in the
    // accept queue when the listener closes is reset, its request lost (#26).
    if (listenerClosed) reply.header("connection", "close");
    // Fastify sets it as soon as its close() starts, a moment before the listener closes: too soon.
    else if (shuttingDown) reply.raw.removeHeader("connection");
    done(null, payload);
  });
  // The access line holds five fixed fields and nothing secret, so it skips the redaction pass (its
  // wildcard paths walk every object logged: a third of the line's cost). Same JSON as request.log.
  const logAccess = createAccessLog(options.logger.child({}, { redact: [] }));
  app.addHook("onResponse", (request, reply, done) => {
    if (!request.url.startsWith("/health") && request.url !== "/metrics") {
      logAccess([
        {
          reqId: request.id,
          method: request.method,
          url: request.url.split("?")[0] as string,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
      ]);
    }
    done();
  });
  // However the server is closed, the front door steps aside as Fastify's close starts.
  app.addHook("preClose", (done) => {
    shuttingDown = true;
    done();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(reply, 413, ErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${bodyLimit} bytes.`);
    }
    if (
      error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      error instanceof SyntaxError
    ) {
      return sendError(reply, 400, ErrorCode.BAD_REQUEST, `The request body is not valid JSON: ${error.message}`);
    }
    if (error.code === "FST_ERR_HANDLER_TIMEOUT") {
      return sendError(reply, 504, ErrorCode.GATEWAY_TIMEOUT, "The request took too long and was abandoned.");
    }
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(reply, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send GraphQL requests as application/json.");
    }
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, "request failed");
    return status >= 500
      ? sendError(reply, 500, ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error")
      : sendError(reply, status, ErrorCode.BAD_REQUEST, error.message);
  });

  app.get("/health/live", async () => ({ status: "ok" }));
  app.get("/health/ready", async (_request, reply) => {
    if (shuttingDown) return reply.code(503).send({ status: "shutting-down" });
    try {
      await options.readiness();
      return { status: "ok" };
    } catch (error) {
      return reply.code(503).send({ status: "unavailable", reason: (error as Error).message });
    }
  });
  if (options.serveMetrics ?? true) {
    app.get("/metrics", async (_request, reply) => {
      reply.header("content-type", options.metrics.registry.contentType);
      return options.metricsText ? options.metricsText() : options.metrics.registry.metrics();
    });
  }

  return {
    app,
    setFrontDoor: (stage) => {
      front = stage;
    },
    clientIp: (request) => (trust ? proxyAddr(request, trust) : (request.socket.remoteAddress ?? "")),
    logAccess,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    isShuttingDown: () => shuttingDown,
    isListenerClosed: () => listenerClosed,
  };
}

/** Listens and returns the base URL (port 0 picks a free port, as tests do). */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("server has no TCP address");
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${shownHost}:${address.port}`;
}
