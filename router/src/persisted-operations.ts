import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Logger } from "@supergraph/kit";
import type { FastifyReply, FastifyRequest } from "fastify";

export type PersistedOperationsMode = "off" | "log" | "only";

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Trusted documents (persisted operations): the SDK's codegen writes a manifest of its operations
 * (sha256 → document), and clients may send only the hash. The router resolves known hashes to their
 * document in every mode, then:
 *   - `off`: runs anything (development default);
 *   - `log`: runs anything, and logs operations that are not in the manifest;
 *   - `only`: runs only operations in the manifest, refusing others with QUERY_NOT_IN_SAFELIST (400).
 * It runs before Apollo Server sees the request, so a refused document is never parsed or planned.
 */
export function createPersistedOperations(options: { mode: PersistedOperationsMode; manifestPath: string; logger: Logger }) {
  const manifest = new Map<string, string>();
  if (existsSync(options.manifestPath)) {
    for (const [hash, document] of Object.entries(JSON.parse(readFileSync(options.manifestPath, "utf8")) as Record<string, string>)) {
      manifest.set(hash, document);
    }
  } else if (options.mode !== "off") {
    throw new Error(`PERSISTED_OPERATIONS=${options.mode} needs the manifest, not found at ${options.manifestPath}`);
  }
  const documents = new Set(manifest.values());

  function check(params: GraphQLParams, setQuery: (query: string) => void): boolean {
    const hash = persistedHash(params);
    const query = typeof params.query === "string" ? params.query : undefined;
    if (typeof hash === "string" && manifest.has(hash)) {
      if (query === undefined) setQuery(manifest.get(hash) as string);
      return query === undefined || query === manifest.get(hash);
    }
    return query !== undefined && documents.has(query);
  }

  // A callback-style preHandler (no promise per request): `done()` lets the request on; a refusal
  // answers instead.
  function preHandler(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const params = (request.method === "GET" ? request.query : request.body) as GraphQLParams | GraphQLParams[] | undefined;
    if (!params || typeof params !== "object") {
      done();
      return;
    }
    for (const entry of Array.isArray(params) ? params : [params]) {
      const allowed = check(entry, (query) => {
        entry.query = query;
      });
      if (allowed || options.mode === "off") continue;
      if (options.mode === "log") {
        options.logger.warn({ operation: label(entry) }, "operation not in the persisted-operations manifest");
        continue;
      }
      reply.code(400).send({
        errors: [{ message: "Only persisted operations may run here: this document is not in the safelist.", extensions: { code: "QUERY_NOT_IN_SAFELIST" } }],
      });
      return;
    }
    done();
  }

  return {
    preHandler,
    /**
     * Whether a request (its query text present) may run without a word from this check: always in `off`
     * mode, else only operations in the manifest. For a stage in front of the preHandler (the cache-hit
     * lane), which hands everything else on to it.
     */
    allows: (params: GraphQLParams) => options.mode === "off" || check(params, () => {}),
    /** The manifest's documents (none without a manifest): the operations whose plans are warmed. */
    documents: (): Iterable<string> => documents,
  };
}

function persistedHash(params: GraphQLParams): unknown {
  const extensions = typeof params.extensions === "string" ? safeJson(params.extensions) : params.extensions;
  return (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
}

/** How a refused operation is named in the log: its name and hash. Worked out only when logged. */
function label(params: GraphQLParams): string {
  const hash = persistedHash(params);
  const query = typeof params.query === "string" ? params.query : undefined;
  const name = typeof params.operationName === "string" ? params.operationName : /\b(?:query|mutation|subscription)\s+(\w+)/.exec(query ?? "")?.[1];
  return `${name ?? "anonymous"} (${typeof hash === "string" ? hash : query ? sha256(query) : "no document"})`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
