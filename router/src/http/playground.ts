import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { Logger } from "@supergraph/kit/runtime";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { varyWithAccept } from "./compression.ts";

// The page may talk to this router and nothing else; GraphiQL inlines styles.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The GraphiQL playground (playground/, bundled by Vite) served by the router: its assets under
 * /playground/, the page itself at GET /graphql when a browser asks for HTML. Returns the hook for the
 * /graphql route that answers such a request, or null when there is nothing to serve.
 */
export async function servePlayground(
  app: FastifyInstance,
  dir: string,
  logger: Logger,
): Promise<((request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>) | null> {
  const indexFile = join(dir, "index.html");
  if (!existsSync(indexFile)) {
    logger.warn(
      { dir },
      "playground not built (run `npm run build -w playground` or `npm run setup`); GET /graphql serves no page",
    );
    return null;
  }
  const page = readFileSync(indexFile, "utf8");
  await app.register(fastifyStatic, { root: dir, prefix: "/playground/", index: false, immutable: true, maxAge: "1y" });
  return async (request, reply) => {
    const wantsPage =
      request.method === "GET" &&
      (request.headers.accept ?? "").includes("text/html") &&
      !(request.query as { query?: unknown }).query;
    if (!wantsPage) return undefined;
    // The same URL answers JSON to other Accept headers: a shared cache must keep the two apart.
    return reply
      .header("content-security-policy", CONTENT_SECURITY_POLICY)
      .header("vary", varyWithAccept(reply.getHeader("vary")))
      .type("text/html; charset=utf-8")
      .send(page);
  };
}
