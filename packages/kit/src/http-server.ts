import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Resolves when the service's dependencies are reachable; throws (with a reason) otherwise. */
  readiness: () => Promise<void>;
  bodyLimitBytes?: number;
}

export interface HttpServer {
  app: FastifyInstance;
  /** Readiness turns false at once, so load balancers stop sending new requests while in-flight ones finish. */
  markShuttingDown(): void;
  isShuttingDown(): boolean;
}

/**
 * The HTTP shell every service shares: `GET /health/live` (the process answers), `GET /health/ready`
 * (its dependencies answer, and it is not shutting down) and `GET /metrics` (Prometheus).
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  let shuttingDown = false;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Per-request access logs are written by our own hooks (with the request id), not Fastify's.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 2 * 1024 * 1024,
    // Idle keep-alive sockets would hold `close()` open until they time out.
    forceCloseConnections: "idle",
    return503OnClosing: true,
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
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  return {
    app,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    isShuttingDown: () => shuttingDown,
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
