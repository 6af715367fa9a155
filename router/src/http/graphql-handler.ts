import { Readable } from "node:stream";
import { type ApolloServer, HeaderMap, type HTTPGraphQLResponse } from "@apollo/server";
import {
  APPLICATION_JSON,
  ErrorCode,
  type Logger,
  operationLabel,
  responseContentType,
  TRANSPORT_STATUSES,
} from "@supergraph/kit/runtime";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { GraphQLError } from "graphql";
import { handedOn } from "../cache/hit-lane.ts";
import { type CacheRequest, hitHeaders, type ResponseCache } from "../cache/response-cache.ts";
import type { RouterContext } from "../context.ts";
import { asRequestError } from "../plugins/cost-limit.ts";
import type { RouterMetrics } from "../process/metrics.ts";
import { type BatchCost, createBatching } from "./batching.ts";
import { type Compression, type Encodable, type Encoding, setEncodingHeaders, varyWithAccept } from "./compression.ts";
import { decoded, isWellFormed, NOT_JSON } from "./well-formed.ts";

export interface GraphQLHandlerOptions {
  apollo: ApolloServer<RouterContext>;
  createContext: (request: FastifyRequest) => Promise<RouterContext>;
  metrics: RouterMetrics;
  logger: Logger;
  /** Answer response-cache hits from their stored bytes, before Apollo Server (see cache/response-cache.ts). */
  cache: ResponseCache | null;
  /** Execute identical in-flight queries once (single-flight). */
  coalesce: boolean;
  /** Bytes sent more than once (hits, shared responses) are compressed once, not per client. */
  compression: Compression;
  /** MAX_BATCH_SIZE: the most operations a batch (a JSON array body) may hold; 0 refuses batches. */
  maxBatchSize: number;
  /** Why an operation (a request's parameters, or one of a batch) is refused before it runs; null when it is not. */
  refusal: (params: unknown) => Error | null;
  /** Spends a cache hit's cost of its batch's budget, as executing it would (CostLimit.spend); the refusal if over. */
  spendBatch: (cost: number, batch: BatchCost) => GraphQLError | null;
}

interface SharedResponse extends Encodable {
  status: number;
  headers: Array<[string, string]>;
  /** Encoded once, sent as is to every waiter (and compressed once per encoding, for those who accept it). */
  body: Buffer;
}

/** What identifies a `GET /graphql` operation for coalescing: its query string. Null for other methods. */
function getKey(request: FastifyRequest): string | null {
  return request.method === "GET" ? `GET\u0000${request.url}` : null;
}

/**
 * GraphQL-over-HTTP: an `application/json` response to a well-formed request is 200, its errors (codes
 * included) in the body — clients such as Apollo Client 3 read them only from a 200; an
 * `application/graphql-response+json` one keeps the status of its error. A request that is not
 * well-formed (invalid parameters) keeps its 400 for every client, as do refusals of the transport
 * (TRANSPORT_STATUSES) made before the operation ran. One that ran (its answer has `data`) is a GraphQL
 * result whatever its code: a subgraph's RATE_LIMITED (a log-in lockout) is a field error like the others.
 */
function specStatus(status: number, response: HTTPGraphQLResponse, wellFormed: () => boolean): number {
  if (status < 400 || !response.headers.get("content-type")?.startsWith("application/json")) return status;
  if (TRANSPORT_STATUSES.has(status) && !ran(response)) return status;
  return wellFormed() ? 200 : status;
}

/** Whether an answer is an operation's result (it has `data`, null included), not a refusal before it ran. */
function ran(response: HTTPGraphQLResponse): boolean {
  if (response.body.kind !== "complete") return true;
  const parsed = decoded(response.body.string);
  return typeof parsed === "object" && parsed !== null && Object.hasOwn(parsed, "data");
}

/** A POST body as the coalescing key; null (not coalesced) for one too deeply nested to serialise. */
function coalescingKey(body: unknown): string | null {
  try {
    return JSON.stringify(body);
  } catch {
    return null;
  }
}

/**
 * The GraphQL parameters of a request, as the cache looks them up: a POST's JSON object, or a GET's query
 * string (its variables and extensions are JSON, null read as absent); null for anything the cache does
 * not answer.
 */
function cacheRequestOf(request: FastifyRequest): CacheRequest | null {
  if (request.method === "POST")
    return request.body && typeof request.body === "object" && !Array.isArray(request.body)
      ? (request.body as CacheRequest)
      : null;
  if (request.method !== "GET") return null;
  const params = request.query as Record<string, unknown> | undefined;
  if (!params || typeof params !== "object") return null;
  const variables = decoded(params.variables) ?? undefined;
  const extensions = decoded(params.extensions) ?? undefined;
  if (variables === NOT_JSON || extensions === NOT_JSON || Array.isArray(params.query)) return null;
  return { query: params.query, operationName: params.operationName, variables, extensions };
}

/** GET parameters the spec allows to be `null`, as absent: Apollo Server refuses a GET's null with BAD_REQUEST. */
const NULLABLE_JSON_PARAMS = ["variables", "extensions"] as const;

/**
 * A `GET`'s query string as Apollo Server is to read it (it reads the raw query string): `variables=null`
 * and `extensions=null` left out, and the document the persisted-operations check resolved from a hash
 * (it sets `query` in Fastify's parsed query) put in, without which a hash-only GET would find the
 * document only in the APQ cache.
 */
function apolloSearch(search: string, parsed: unknown): string {
  const params = new URLSearchParams(search);
  let changed = false;
  for (const name of NULLABLE_JSON_PARAMS) {
    const values = params.getAll(name);
    if (values.length === 1 && decoded(values[0]) === null) {
      params.delete(name);
      changed = true;
    }
  }
  const resolved = (parsed as { query?: unknown } | undefined)?.query;
  if (typeof resolved === "string" && !params.has("query")) {
    params.set("query", resolved);
    changed = true;
  }
  return changed ? `?${params}` : search;
}

/**
 * `POST|GET /graphql`. In the order a request meets them:
 *
 * 1. Context: the caller's identity (JWT) and rate limit, for every request.
 * 2. Response cache: a hit is sent from the stored bytes (requests the hit lane did not look up: GET,
 *    chunked bodies, traced requests).
 * 3. Coalescing: identical operations arriving while one is already executing wait for it and get its
 *    response instead of executing again. "Identical" is the same request body (for GET: the same query
 *    string), the same Accept header (which chose the response's Content-Type) and the same caller (user,
 *    or anonymous): a response is never shared across users, since it may hold private data.
 *    Only queries are shared — once the leader's operation turns out to be a mutation, every waiter
 *    executes its own. With the response cache on, coalescing sits in front of it: after an
 *    invalidation, concurrent identical reads make one execution, not a stampede.
 * 4. Apollo Server (the gateway, plugins, response cache), as @as-integrations/fastify would call it; the
 *    status of its answer as the GraphQL-over-HTTP spec gives it for the media type (specStatus).
 *
 * A batch (a JSON array body) takes these steps once per operation (batching.ts), but for coalescing.
 */
export function createGraphQLHandler(options: GraphQLHandlerOptions) {
  const inflight = new Map<string, Promise<SharedResponse | null>>();
  const operationNames = new Set<string>();

  async function execute(request: FastifyRequest, context: () => Promise<RouterContext>): Promise<HTTPGraphQLResponse> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const queryStart = request.url.indexOf("?");
    const search = queryStart >= 0 ? request.url.slice(queryStart) : "";
    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: request.method.toUpperCase(),
        headers,
        search: request.method === "GET" ? apolloSearch(search, request.query) : search,
        body: request.body,
      },
      context,
    });
    const status = specStatus(response.status ?? 200, response, () => isWellFormed(request));
    // Retry-After means nothing on a 200 (a log-in lockout answered to an application/json client).
    if (status === 200 && response.status === 429) response.headers.delete("retry-after");
    return { ...response, status };
  }

  /** An operation's answer before it is sent: Apollo Server's response, or bytes sent more than once (a hit, a shared response). */
  type Answer =
    | { kind: "response"; response: HTTPGraphQLResponse }
    | {
        kind: "bytes";
        status: number;
        headers: Iterable<[string, string]>;
        bytes: Encodable;
        encode?: (encoding: Encoding) => Promise<Buffer>;
      };

  const fromApollo = (response: HTTPGraphQLResponse): Answer => ({ kind: "response", response });
  const shared = (response: SharedResponse): Answer => ({
    kind: "bytes",
    status: response.status,
    headers: response.headers,
    bytes: response,
  });

  async function send(reply: FastifyReply, answer: Answer): Promise<unknown> {
    const head = (status: number, headers: Iterable<[string, string]>) => {
      for (const [name, value] of headers) reply.header(name, value);
      reply.header("vary", varyWithAccept(reply.getHeader("vary")));
      reply.code(status);
    };
    if (answer.kind === "bytes")
      return sendBytes(reply, answer.bytes, () => head(answer.status, answer.headers), answer.encode);
    const { response } = answer;
    head(response.status ?? 200, response.headers);
    // Sent once: @fastify/compress compresses it, if the client asks.
    return reply.send(
      response.body.kind === "complete" ? response.body.string : Readable.from(response.body.asyncIterator),
    );
  }

  /** An answer as one result of a batch: its JSON text (each result's errors stay in it). */
  function resultText(answer: Answer): string {
    if (answer.kind === "bytes") return answer.bytes.body.toString();
    if (answer.response.body.kind === "complete") return answer.response.body.string;
    // Not reached: each operation of a batch accepts only a single result (see batching.ts).
    return JSON.stringify({
      errors: [
        { message: "Incremental delivery is not available in a batch.", extensions: { code: ErrorCode.BAD_REQUEST } },
      ],
    });
  }

  /**
   * Bytes sent more than once, in the client's encoding (compressed once for all); as they are otherwise.
   * `setHead` sets the status and headers, after the compression: a request that timed out meanwhile has
   * had its 504, which must not carry a hit's cache headers.
   */
  async function sendBytes(
    reply: FastifyReply,
    bytes: Encodable,
    setHead: () => void,
    encode?: (encoding: Encoding) => Promise<Buffer>,
  ): Promise<unknown> {
    const encoding = options.compression.choose(reply.request.headers, bytes.body.length);
    const encoded = encoding
      ? await (encode ? encode(encoding) : options.compression.encode(bytes, encoding)).catch((error: unknown) => {
          // Sent uncompressed by us; @fastify/compress then tries once more, for this client alone.
          options.logger.error({ err: error, encoding }, "response could not be compressed");
          return null;
        })
      : null;
    if (reply.sent) return reply;
    setHead();
    if (!encoding || !encoded) return reply.send(bytes.body);
    setEncodingHeaders(reply, encoding, encoded.length);
    return reply.send(encoded);
  }

  /** One operation's answer, steps 1-4. */
  async function answer(request: FastifyRequest): Promise<Answer> {
    // Not in the safelist: refused as Apollo Server refuses, before the rate limit is spent on it.
    const refusal = options.refusal(request.method === "GET" ? request.query : request.body);
    if (refusal) return fromApollo(await execute(request, () => Promise.reject(refusal)));
    let context: RouterContext;
    try {
      context = await options.createContext(request);
    } catch (error) {
      // A refused token or a spent rate limit: Apollo Server renders the error with its status. A claim
      // the lane took for this request is given back.
      const claim = handedOn(request.raw)?.cache.refresh;
      if (claim) options.cache?.refreshStoredNothing(claim);
      return fromApollo(await execute(request, () => Promise.reject(error)));
    }
    const state = context.cache;
    const cache = options.cache;
    const contentType = responseContentType(request.headers.accept);
    if (cache && !state.lookedUp && contentType) {
      const params = cacheRequestOf(request);
      if (params) {
        state.request = params;
        state.lookedUp = true;
        const end = options.metrics.graphqlRequests.startTimer();
        let hit = await cache.lookup(context.viewer, params);
        // In a batch a hit spends what executing it would (below); one stored before costs were executes.
        if (hit?.cost === undefined && context.batch) hit = null;
        // As in the lane: one request refreshes a hot entry shortly before it expires.
        const claim = hit ? cache.claimRefresh(hit) : null;
        state.refresh = claim && (await claim);
        if (hit && !state.refresh) {
          // The cost limit counts a batch whole, and a hit answers what executing it would: it spends the
          // same, or is refused the same (as in Apollo Server's pipeline: plugins/cost-limit.ts).
          const over = context.batch && options.spendBatch(hit.cost as number, context.batch);
          if (over) return fromApollo(await execute(request, () => Promise.reject(asRequestError(over))));
          options.metrics.cacheResults.inc({ result: "hit" });
          end({ operation: operationLabel(operationNames, hit.operationName), outcome: "ok" });
          const headers = hitHeaders(hit, contentType);
          const pairs: Array<[string, string]> = [];
          for (let index = 0; index < headers.length; index += 2)
            pairs.push([headers[index] as string, headers[index + 1] as string]);
          return {
            kind: "bytes",
            status: 200,
            headers: pairs,
            bytes: hit.entry,
            encode: (encoding) => cache.encoded(hit, encoding),
          };
        }
      }
    }

    const claim = state.refresh;
    if (claim) {
      // A refresh executes whatever is in flight (as a waiter it would store nothing). When Apollo Server
      // is done, its response is being written to the cache, or it is not — an error, not cacheable, a
      // failure before Apollo's plugins ran: then the claim is given back, for another request to try.
      try {
        return fromApollo(await execute(request, async () => context));
      } finally {
        if (!state.writing) cache?.refreshStoredNothing(claim);
      }
    }
    const body =
      request.method === "POST" && request.body && typeof request.body === "object" && !Array.isArray(request.body)
        ? request.body
        : null;
    const operation = body ? coalescingKey(body) : getKey(request);
    // An operation of a batch executes as its own: a waiter would skip the cost limit, which sums the batch's.
    if (!options.coalesce || operation === null || context.batch)
      return fromApollo(await execute(request, async () => context));
    // The Accept header too: the leader's response carries the Content-Type chosen from it.
    const key = `${context.viewer ? `user:${context.viewer.userId}:${context.viewer.role}` : "anonymous"}\u0000${request.headers.accept ?? ""}\u0000${operation}`;
    const leader = inflight.get(key);
    if (leader) {
      const response = await leader;
      if (response) {
        options.metrics.coalesced.inc();
        return shared(response);
      }
      return fromApollo(await execute(request, async () => context));
    }
    let settle: (response: SharedResponse | null) => void = () => {};
    inflight.set(key, new Promise((resolve) => (settle = resolve)));
    try {
      const response = await execute(request, async () => context);
      const shareable = context.execution.operationType === "query" && response.body.kind === "complete";
      settle(
        shareable && response.body.kind === "complete"
          ? {
              status: response.status ?? 200,
              headers: [...response.headers].filter(([name]) => name !== "x-request-id"),
              body: Buffer.from(response.body.string),
            }
          : null,
      );
      return fromApollo(response);
    } catch (error) {
      settle(null);
      options.logger.error({ err: error }, "graphql handler failed");
      throw error;
    } finally {
      inflight.delete(key);
    }
  }

  const batching = createBatching({
    maxBatchSize: options.maxBatchSize,
    answer: async (request) => resultText(await answer(request)),
  });

  return {
    /** The route's preValidation hook: refuses batches that are empty, too large, or off (MAX_BATCH_SIZE=0). */
    checkBatch: batching.check,
    async handler(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      if (request.method === "POST" && Array.isArray(request.body)) {
        return batching.answer(
          request,
          reply,
          request.body as object[],
          responseContentType(request.headers.accept) ?? APPLICATION_JSON,
        );
      }
      return send(reply, await answer(request));
    },
  };
}
