import { ErrorCode, sendError } from "@supergraph/kit/runtime";
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * The router's own request timeout, the last line of defence: subgraph timeouts are shorter, so only a
 * plan with many sequential fetches can get here. A request still unanswered after `timeoutMs` gets
 * 504 GATEWAY_TIMEOUT.
 *
 * Hand-written rather than Fastify's `handlerTimeout`, which arms an AbortController and a timer for
 * every request (bench/README.md, "The hot path"). Here one timer sweeps the requests in flight (every
 * second, or a tenth of the timeout when shorter).
 */
export function enforceRequestTimeout(app: FastifyInstance, url: string, timeoutMs: number): void {
  const inflight = new Map<FastifyReply, number>();
  // Callback-style hooks: no promise per request.
  app.addHook("onRequest", (request, reply, done) => {
    if (request.routeOptions.url === url) inflight.set(reply, Date.now());
    done();
  });
  app.addHook("onResponse", (_request, reply, done) => {
    inflight.delete(reply);
    done();
  });
  const sweep = setInterval(
    () => {
      const overdue = Date.now() - timeoutMs;
      for (const [reply, started] of inflight) {
        if (started > overdue) continue;
        inflight.delete(reply);
        if (!reply.sent) {
          sendError(reply, 504, ErrorCode.GATEWAY_TIMEOUT, "The request took too long and was abandoned.");
        }
      }
    },
    Math.max(50, Math.min(1_000, timeoutMs / 10)),
  );
  sweep.unref();
  app.addHook("onClose", async () => clearInterval(sweep));
}
