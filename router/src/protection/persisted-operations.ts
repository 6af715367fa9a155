import { createHash } from "node:crypto";
import { existsSync, type FSWatcher, readFileSync, watch } from "node:fs";
import { dirname, resolve } from "node:path";
import { ErrorCode, type Logger, requestError } from "@supergraph/kit/runtime";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { GraphQLError } from "graphql";
import { parseManifest } from "./persisted-manifest.ts";

export type PersistedOperationsMode = "off" | "log" | "only";

export interface PersistedOperationsOptions {
  mode: PersistedOperationsMode;
  /** Manifest files, each in Apollo's format (`apollo-persisted-query-manifest`) or a flat `{ id: document }`. */
  manifestPaths: string[];
  /** Read the manifests again when their files change (debounced); a file that does not parse keeps its previous operations. */
  watch?: boolean;
  logger: Logger;
}

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Trusted documents (persisted operations): manifests of the operations the apps may send (the SDK's
 * codegen writes one; `@apollo/generate-persisted-query-manifest` writes one for an Apollo Client app), by
 * id, and clients may send only the id (`extensions.persistedQuery.sha256Hash`). The router resolves
 * known ids to their document in every mode, then:
 *   - `off`: runs anything (development default);
 *   - `log`: runs anything, and logs operations that are not in a manifest;
 *   - `only`: runs only operations in a manifest, refusing others with QUERY_NOT_IN_SAFELIST, as any
 *     refusal of a well-formed request (400, 200 for an application/json client; in a batch, in that
 *     operation's result).
 * It runs before Apollo Server sees the request and before its rate-limit point is spent, so a refused
 * document is never validated or planned (it is parsed only as far as LIMIT_TOKENS, to tell a subscription).
 */
export function createPersistedOperations(options: PersistedOperationsOptions) {
  const paths = options.manifestPaths.map((path) => resolve(path));
  // Per file, its last good content and operations: a broken edit of one file keeps what it had.
  const files = new Map<string, { text: string; operations: Map<string, string> }>();
  let manifest = new Map<string, string>();
  let documents = new Set<string>();

  for (const path of paths) {
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      files.set(path, { text, operations: parseManifest(text, path) });
    } else if (options.mode !== "off") {
      throw new Error(
        `PERSISTED_OPERATIONS=${options.mode} needs every manifest in PERSISTED_OPERATIONS_MANIFEST; ${path} was not found`,
      );
    }
  }
  rebuild();

  function rebuild(): void {
    manifest = new Map([...files.values()].flatMap((file) => [...file.operations]));
    documents = new Set(manifest.values());
  }

  function reload(): void {
    let changed = false;
    for (const path of paths) {
      try {
        const text = readFileSync(path, "utf8");
        if (files.get(path)?.text === text) continue;
        files.set(path, { text, operations: parseManifest(text, path) });
        changed = true;
      } catch (error) {
        options.logger.error(
          { err: error, path },
          "persisted-operations manifest not reloaded; keeping its previous operations",
        );
      }
    }
    if (!changed) return;
    rebuild();
    options.logger.info({ operations: manifest.size }, "persisted-operations manifests reloaded");
  }

  // The folders are watched, not the files: editors and Kubernetes' ConfigMap volumes replace a file by
  // renaming another over it, after which a watch on the old file would see nothing.
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  if (options.watch ?? true) {
    for (const folder of new Set(paths.map((path) => dirname(path)))) {
      if (!existsSync(folder)) continue;
      try {
        const watcher = watch(folder, () => {
          clearTimeout(timer);
          timer = setTimeout(reload, 100);
        });
        watcher.unref();
        watchers.push(watcher);
      } catch (error) {
        // Out of inotify watches, say: the manifests still serve, only without reloads.
        options.logger.warn(
          { err: error, folder },
          "cannot watch the persisted-operations manifests; changes need a restart",
        );
      }
    }
  }

  function check(params: GraphQLParams, setQuery: (query: string) => void): boolean {
    const hash = persistedHash(params);
    const query = typeof params.query === "string" ? params.query : undefined;
    if (typeof hash === "string" && manifest.has(hash)) {
      if (query === undefined) setQuery(manifest.get(hash) as string);
      return query === undefined || query === manifest.get(hash);
    }
    return query !== undefined && documents.has(query);
  }

  /** Operations refused here (the request's parameters, or one operation of a batch), answered by the handler. */
  const refused = new WeakSet<object>();

  // A callback-style preHandler (no promise per request): resolves known ids to their documents and marks
  // what it refuses, which the handler answers like any other refusal before an operation runs (200 for an
  // application/json client, one result of a batch for an operation of a batch).
  function preHandler(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
    const params = (request.method === "GET" ? request.query : request.body) as
      | GraphQLParams
      | GraphQLParams[]
      | undefined;
    if (!params || typeof params !== "object") {
      done();
      return;
    }
    for (const entry of Array.isArray(params) ? params : [params]) {
      const allowed = check(entry, (query) => {
        entry.query = query;
      });
      if (!permitsUnknown(allowed, entry)) refused.add(entry);
    }
    done();
  }

  /** Whether an operation may run that the manifests do or do not know (`allowed`); `log` mode logs an unknown one. */
  function permitsUnknown(allowed: boolean, params: GraphQLParams): boolean {
    if (allowed || options.mode === "off") return true;
    if (options.mode === "only") return false;
    options.logger.warn({ operation: label(params) }, "operation not in the persisted-operations manifest");
    return true;
  }

  return {
    preHandler,
    /** The refusal of an operation the preHandler refused (a request's parameters, or one of a batch); null if it did not. */
    refusal: (params: unknown): GraphQLError | null =>
      params && typeof params === "object" && refused.has(params)
        ? requestError(
            ErrorCode.QUERY_NOT_IN_SAFELIST,
            "Only persisted operations may run here: this document is not in the safelist.",
          )
        : null,
    /**
     * Whether a request may run without a word from this check: always in `off` mode, else only operations
     * in the manifest. A known id sent alone is given its document, as the preHandler gives it. For a stage
     * in front of the preHandler (the cache-hit lane), which hands everything else on to it.
     */
    allows: (params: GraphQLParams) => {
      const known = check(params, (query) => {
        params.query = query;
      });
      return options.mode === "off" || known;
    },
    /** Whether an operation may run, for a path the preHandler is not on (subscriptions over WebSocket); `log` mode logs it. */
    permits: (params: GraphQLParams) =>
      permitsUnknown(
        check(params, (query) => {
          params.query = query;
        }),
        params,
      ),
    /** Whether an id is a trusted document's: resolved from the manifests in every mode, whatever else knows it. */
    trusts: (sha256Hash: string) => manifest.has(sha256Hash),
    /** The manifests' documents (none without a manifest), as they are now: the operations whose plans are warmed. */
    documents: (): Iterable<string> => documents,
    /** Stops watching the manifest files. */
    close(): void {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** `extensions.persistedQuery.sha256Hash` of a request's extensions, whatever it is (undefined: none). */
export function persistedQueryHash(extensions: unknown): unknown {
  return (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
}

/** A request's persisted-query hash, its extensions JSON-decoded if they are a GET's text. */
const persistedHash = (params: GraphQLParams): unknown =>
  persistedQueryHash(typeof params.extensions === "string" ? safeJson(params.extensions) : params.extensions);

/** How a refused operation is named in the log: its name and hash. Worked out only when logged. */
function label(params: GraphQLParams): string {
  const hash = persistedHash(params);
  const query = typeof params.query === "string" ? params.query : undefined;
  const name =
    typeof params.operationName === "string"
      ? params.operationName
      : /\b(?:query|mutation|subscription)\s+(\w+)/.exec(query ?? "")?.[1];
  return `${name ?? "anonymous"} (${typeof hash === "string" ? hash : query ? sha256(query) : "no document"})`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
