import { createHash } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import ApolloServerPluginResponseCache from "@apollo/server-plugin-response-cache";
import type { DocumentNode, GraphQLSchema, OperationTypeNode } from "graphql";
import type { RouterContext } from "../context.ts";
import type { RouterMetrics } from "../metrics.ts";
import { type FastPath, fastKey, type RefreshClaim } from "./fast-path.ts";
import type { CacheStore } from "./store.ts";
import { TaggedResponseCache } from "./tagged-cache.ts";
import { type AugmentedOperation, augmentOperation, ID_ALIAS, TYPENAME_ALIAS } from "./tags.ts";

export interface ResponseCacheOptions {
  store: CacheStore;
  metrics: RouterMetrics;
  fastPath: FastPath;
  maxEntryBytes: number;
  maxTtlSeconds: number;
}

/** Per-request cache state, on the router context. */
export interface CacheState {
  augmented?: AugmentedOperation;
  /** The purge counter when execution started (a miss); null when it could not be read. */
  generation?: number | null;
  /** This request executes a hot entry's operation again, before the entry expires: it does not read it. */
  refresh?: RefreshClaim;
  /**
   * Its response is being written to the cache (the response cache plugin's write path was taken; a write
   * that then stores nothing gives a refresh's claim back itself, see TaggedResponseCache.set).
   */
  writing?: boolean;
}

const MAX_MEMOIZED_OPERATIONS = 1_000;

/**
 * The document the gateway plans (and files its plan for, under the query's hash) when the response cache
 * is on: a query with the tagging fields added (`tagging` below), anything else as sent. The query-plan
 * warm-up plans the same, or the gateway would use a plan without those fields.
 */
export function documentToPlan(schema: GraphQLSchema, document: DocumentNode, operation: OperationTypeNode): DocumentNode {
  return operation === "query" ? augmentOperation(schema, document).document : document;
}

/**
 * The router's response cache: @apollo/server-plugin-response-cache for lookups, keys, private scope
 * and TTLs (from the subgraphs' Cache-Control), plus what it lacks — tags for invalidation and an
 * `x-cache` header (HIT, MISS, or BYPASS when the response is not eligible or the store is down).
 *
 * The fields the router adds for tagging stay in the data (and in the cache); `stripCacheFields`, the
 * server's `stringifyResult`, leaves them out of what is sent.
 */
export function useResponseCache(options: ResponseCacheOptions): ApolloServerPlugin<RouterContext>[] {
  const cache = new TaggedResponseCache(options.store.raw, options.store.tags, options.store.health, options, options.fastPath);
  // Augmented documents by query hash, for the schema they were made against (emptied when it changes:
  // which types have an `id`, so what is added, may change with a new supergraph).
  const augmentedByQuery = new Map<string, AugmentedOperation>();
  let augmentedFor: GraphQLSchema | undefined;

  const responseCache = ApolloServerPluginResponseCache<RouterContext>({
    cache,
    // PRIVATE responses are cached per user (the verified JWT subject); anonymous requests have no
    // session, so they never read or write private entries.
    sessionId: async ({ contextValue }) => contextValue.viewer?.userId ?? null,
    shouldReadFromCache: async ({ contextValue }) => contextValue.cache.augmented !== undefined && contextValue.cache.refresh === undefined,
    // No shouldWriteToCache: the plugin awaits it before reading the response to store, which would let
    // other plugins' hooks run in between. Whether to write is decided here and in the store's `set`.
    generateCacheKey(requestContext, keyData) {
      const key = createHash("sha256").update(JSON.stringify(keyData)).digest("hex");
      const state = (requestContext.contextValue as RouterContext).cache;
      const body = requestContext.response?.body;
      // Called on the write path (a response exists) right before the store's `set`: hand it the tags,
      // and the bytes for the fast path.
      if (body?.kind === "single" && state.augmented && typeof state.generation === "number") {
        const policy = requestContext.overallCachePolicy.policyIfCacheable();
        const viewer = (requestContext.contextValue as RouterContext).viewer;
        const scope = policy?.scope === "PRIVATE" ? (viewer ? (`private:${viewer.userId}` as const) : null) : ("public" as const);
        const fast = scope && policy ? fastKey(scope, requestContext.request) : null;
        state.writing = true;
        cache.pending.set(`fqc:${key}`, {
          ...(state.refresh ? { refresh: state.refresh } : {}),
          typeTags: state.augmented.typeTags,
          generation: state.generation,
          data: body.singleResult.data,
          ...(fast && policy
            ? {
                fast: {
                  key: fast,
                  body: stripCacheFields({ data: body.singleResult.data }),
                  cacheControl: `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}`,
                  operationName: requestContext.operationName ?? null,
                },
              }
            : {}),
        });
      }
      return key;
    },
  });

  const tagging: ApolloServerPlugin<RouterContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          if (requestContext.operation?.operation !== "query") return;
          const queryHash = requestContext.queryHash;
          if (requestContext.schema !== augmentedFor) {
            augmentedByQuery.clear();
            augmentedFor = requestContext.schema;
          }
          let augmented = augmentedByQuery.get(queryHash);
          if (!augmented) {
            // As `documentToPlan` (above): the query-plan warm-up relies on the two agreeing.
            augmented = augmentOperation(requestContext.schema, requestContext.document);
            if (augmentedByQuery.size >= MAX_MEMOIZED_OPERATIONS) augmentedByQuery.clear();
            augmentedByQuery.set(queryHash, augmented);
          }
          requestContext.contextValue.cache.augmented = augmented;
          // Execution (and the gateway's query plan, cached per query) uses the augmented document.
          (requestContext as { document: DocumentNode }).document = augmented.document;
        },
        async executionDidStart({ contextValue }) {
          if (!contextValue.cache.augmented) return;
          contextValue.cache.generation = await options.store.health.run(() => options.store.tags.generation(), null);
        },
        async willSendResponse({ response, contextValue, metrics }) {
          if (contextValue.cache.augmented && response.body.kind === "single" && response.body.singleResult.data) {
            augmentedData.add(response.body.singleResult.data);
          }
          const eligible = contextValue.cache.augmented !== undefined && options.store.health.isHealthy;
          const result = !eligible ? "BYPASS" : metrics.responseCacheHit ? "HIT" : "MISS";
          response.http.headers.set("x-cache", result);
          // A refresh is a miss to its client (it was executed), counted apart.
          options.metrics.cacheResults.inc({ result: result === "MISS" && contextValue.cache.refresh ? "refresh" : result.toLowerCase() });
        },
      };
    },
  };
  return [responseCache, tagging];
}

const isAdded = (key: string) => key === TYPENAME_ALIAS || key === ID_ALIAS;

/** Results whose data carries the fields the router added (marked when the response is sent). */
const augmentedData = new WeakSet<object>();

/** Serialises a result without the fields the router added for cache tagging. */
export function stripCacheFields(value: unknown): string {
  return JSON.stringify(value, (key, field) => (isAdded(key) ? undefined : field));
}

/**
 * Apollo Server's `stringifyResult`: only augmented results pay for the replacer; the rest (mutations,
 * the cache off) are serialised once, plainly.
 */
export function stringifyResponse(value: { data?: unknown }): string {
  return value.data && typeof value.data === "object" && augmentedData.has(value.data) ? stripCacheFields(value) : JSON.stringify(value);
}
