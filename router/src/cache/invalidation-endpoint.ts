import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ResponseCache } from "./response-cache.ts";
import { invalidationTags } from "./tags.ts";

const MAX_REQUESTS = 1_000;

function sameKey(sent: string | undefined, key: string): boolean {
  const token = sent?.replace(/^Bearer\s+/i, "") ?? "";
  const [a, b] = [Buffer.from(token), Buffer.from(key)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `POST /invalidation`, for writes that bypass the graph (a back-office job, a migration): purges the
 * cached responses holding what it names, on every router sharing the store, before it answers. The body
 * is Apollo Router's: a list of `{ "kind": "subgraph", "subgraph" }`, `{ "kind": "type", "type" }` and
 * `{ "kind": "cache_tag", "cache_tag": "Product:42" }`. Only on the router's internal port, which the
 * public Ingress does not expose, and only with the shared key in `Authorization`.
 */
export function serveInvalidation(app: FastifyInstance, cache: ResponseCache, sharedKey: string): void {
  app.post("/invalidation", async (request, reply) => {
    if (!sameKey(request.headers.authorization, sharedKey)) {
      return reply.code(401).send({
        errors: [
          {
            message: "The invalidation endpoint needs the shared key in Authorization.",
            extensions: { code: "UNAUTHENTICATED" },
          },
        ],
      });
    }
    const body = request.body;
    const requests = Array.isArray(body) ? body : [body];
    const tags = requests.length <= MAX_REQUESTS ? requests.map(invalidationTags) : [];
    if (tags.length === 0 || tags.some((each) => each.length === 0)) {
      return reply.code(400).send({
        errors: [
          {
            message: `Send a list of at most ${MAX_REQUESTS} invalidation requests: { "kind": "subgraph", "subgraph" }, { "kind": "type", "type" } or { "kind": "cache_tag", "cache_tag" }.`,
            extensions: { code: "BAD_REQUEST" },
          },
        ],
      });
    }
    await cache.purge(tags.flat());
    return { purged: [...new Set(tags.flat())] };
  });
}
