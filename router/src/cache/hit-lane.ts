import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type AccessLine,
  type AccessLog,
  type FrontDoor,
  type Logger,
  operationLabel,
  requestId,
  responseContentType,
  type UserTokenConfig,
} from "@supergraph/kit/runtime";
import secureJson from "secure-json-parse";
import { identify, rateLimitKey } from "../context.ts";
import { type Compression, type Encoding, varyWithAccept, varyWithEncoding } from "../http/compression.ts";
import { replayBody } from "../http/replay-body.ts";
import type { RouterMetrics } from "../process/metrics.ts";
import type { RateLimitDecision, RateLimiter } from "../protection/rate-limit.ts";
import type { Revocations } from "../protection/revocations.ts";
import { type CacheRequest, type Hit, hitHeaders, type ResponseCache } from "./response-cache.ts";
import { type CacheState, newCacheState } from "./state.ts";

/** Bodies read here at most; a bigger one (a cache hit is a short query) goes to Fastify unread. */
const MAX_BODY_BYTES = 64 * 1024;

export interface HitLaneOptions {
  cache: ResponseCache;
  jwt: UserTokenConfig;
  rateLimit: RateLimiter;
  /** A revoked token's request is never served here: handed on, the router refuses it with 401. */
  revocations?: Revocations;
  metrics: RouterMetrics;
  /** Whether the persisted-operations check lets this operation run as it is (see protection/persisted-operations.ts). */
  allows: (request: CacheRequest) => boolean;
  /** Which encoding a hit is sent in, as @fastify/compress would choose it for the router's responses. */
  compression: Compression;
  /** The CORS headers for a request's origin, as names and values (see http/cors.ts). */
  cors: (origin: string | undefined) => readonly string[];
  clientIp: (request: IncomingMessage) => string;
  logAccess: AccessLog;
  logger: Logger;
  isShuttingDown: () => boolean;
  isListenerClosed: () => boolean;
  bodyLimitBytes: number;
}

interface Answer {
  response: ServerResponse;
  id: string;
  hit: Hit;
  /** As Apollo Server would choose it from the request's Accept header (see kit's content-type.ts). */
  contentType: string;
  /** The hit's bytes in `encoding` (null: as stored). */
  body: Buffer;
  encoding: Encoding | null;
  origin: string | undefined;
  started: number;
}

/** What the lane did for a request it looked up and handed on: its rate-limit point is spent, its cache state made. */
interface Handoff {
  decision: RateLimitDecision;
  cache: CacheState;
}
const handoffs = new WeakMap<IncomingMessage, Handoff>();

/** What the lane did for this request, if it looked it up and handed it on (for the router's context). */
export const handedOn = (request: IncomingMessage): Handoff | undefined => handoffs.get(request);

/**
 * Response-cache hits answered in front of Fastify. A hit's answer is bytes already stored; what it costs
 * is mostly the HTTP framework around it (bench/README.md, "Cache hits"), so `POST /graphql`
 * requests are looked up here first (ResponseCache.lookup, the one lookup), with what a hit still needs
 * done to it:
 *
 *  - identity: the Authorization header verified as the router's context does (private entries are per
 *    user; a refused token goes on, to get its 401 there);
 *  - the persisted-operations rule (an operation it would refuse or log goes on);
 *  - the rate limit, spent here for every request looked up (a refusal goes on, to get its 429 there,
 *    and a miss goes on too, both with the decision made, so no request is counted twice);
 *  - the same headers (request id, CORS, cache, compression), the access line and the metrics;
 *  - the same encoding: compressed as Fastify's responses are, from the entry's compressed bytes.
 *
 * Anything else — a miss, GET, another path or content type, a body that is large, chunked, compressed or
 * malformed, or a server shutting down — is handed to Fastify as it came (a body read here is replayed),
 * where the handler looks up what the lane did not. No request is answered differently for having passed
 * through here.
 *
 * Hits are sent in batches: the checks of all requests that arrived in one turn of the event loop run back
 * to back, then their answers are sent together, then their metrics and access lines are recorded (work
 * right after a large send runs with a cold CPU cache).
 */
export function createHitLane(options: HitLaneOptions): FrontDoor {
  const operationNames = new Set<string>();
  const limit = Math.min(MAX_BODY_BYTES, options.bodyLimitBytes);
  let batch: Answer[] = [];

  function sendBatch(): void {
    const answers = batch;
    batch = [];
    for (const answer of answers) {
      // A client that went away while its answer waited gets nothing sent, and nothing recorded.
      if (answer.response.destroyed) continue;
      const headers = hitHeaders(answer.hit, answer.contentType);
      headers.push("x-request-id", answer.id, "content-length", String(answer.body.length));
      // One Vary, as Fastify's responses have: CORS's, with Accept added (see varyWithAccept), and
      // accept-encoding when compressed.
      const cors = options.cors(answer.origin);
      let vary: string | undefined;
      for (let index = 0; index < cors.length; index += 2) {
        if (cors[index] === "vary") vary = cors[index + 1];
        else headers.push(cors[index] as string, cors[index + 1] as string);
      }
      vary = varyWithAccept(vary);
      if (answer.encoding) headers.push("vary", varyWithEncoding(vary), "content-encoding", answer.encoding);
      else headers.push("vary", vary);
      // As Fastify's responses do once the listener has closed: the client should reconnect elsewhere.
      if (options.isListenerClosed()) headers.push("connection", "close");
      try {
        answer.response.writeHead(200, headers).end(answer.body);
      } catch (error) {
        // One broken answer must not take the others (or the process) with it.
        options.logger.error({ err: error, reqId: answer.id }, "cache hit could not be sent");
        answer.response.destroy();
      }
    }
    const lines: AccessLine[] = [];
    for (const answer of answers) {
      if (!answer.response.writableEnded) continue;
      const ms = performance.now() - answer.started;
      try {
        options.metrics.graphqlRequests.observe(
          { operation: operationLabel(operationNames, answer.hit.operationName), outcome: "ok" },
          ms / 1000,
        );
      } catch {
        // Recording is best effort; the answers are already sent.
      }
      lines.push({ reqId: answer.id, method: "POST", url: "/graphql", statusCode: 200, ms: Math.round(ms) });
    }
    try {
      if (lines.length > 0) options.metrics.cacheResults.inc({ result: "hit" }, lines.length);
    } catch {
      // Best effort, as above.
    }
    try {
      // The batch's access lines in one write (see createAccessLog).
      options.logAccess(lines);
    } catch {
      // Best effort too (a logger closed during shutdown).
    }
  }

  /** The answer to a request if it is a hit this lane may serve; null hands it on. */
  async function check(
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    started: number,
  ): Promise<Answer | null> {
    // Not looked up (nor its rate-limit point spent) when Apollo Server must answer it: a 406.
    const contentType = responseContentType(request.headers.accept);
    if (!contentType) return null;
    let params: unknown;
    try {
      params = secureJson.parse(body.toString(), undefined, { protoAction: "error", constructorAction: "error" });
    } catch {
      return null;
    }
    if (!params || typeof params !== "object" || Array.isArray(params) || !options.allows(params as CacheRequest))
      return null;
    let viewer: ReturnType<typeof identify>;
    try {
      viewer = identify(request.headers, options.jwt);
    } catch {
      return null;
    }
    // The lookup and the rate limit at once: with Redis each is a round trip (the tags' MGET, the
    // limiter's script), and a hit waited for both one after the other.
    // The request's point is spent here, hit or not; one handed on carries the decision to the router's
    // context (handedOn), so it is counted once either way.
    const [found, decision, revoked] = await Promise.all([
      options.cache.lookup(viewer, params as CacheRequest).then(
        (hit) => ({ hit }),
        (error: unknown) => ({ error }),
      ),
      options.rateLimit(rateLimitKey(viewer, () => options.clientIp(request))),
      viewer && options.revocations ? options.revocations.isRevoked(viewer) : false,
    ]);
    const hit = "hit" in found && !revoked ? found.hit : null;
    // One request near the end of a hot entry's life executes it again, and stores the result (see
    // ResponseCache.claimRefresh); the others are still served here.
    const claim = hit !== null && decision.allowed ? options.cache.claimRefresh(hit) : null;
    const refresh = claim && (await claim);
    if (hit && decision.allowed && !refresh) {
      let encoding = options.compression.choose(request.headers, hit.body.length);
      let bytes = hit.body;
      if (encoding) {
        try {
          bytes = await options.cache.encoded(hit, encoding);
        } catch (error) {
          // Its point is spent and the bytes are here: sent as they are, as when compression is off.
          options.logger.error({ err: error, encoding }, "cache hit could not be compressed");
          encoding = null;
        }
      }
      return {
        response,
        id: requestId(request.headers),
        hit,
        contentType,
        body: bytes,
        encoding,
        origin: request.headers.origin,
        started,
      };
    }
    // A request looked up here is not looked up again by the handler (with Redis, a round trip per scope).
    const cache = newCacheState(params as CacheRequest);
    cache.lookedUp = "hit" in found;
    cache.refresh = refresh;
    handoffs.set(request, { decision, cache });
    if ("error" in found) throw found.error;
    return null;
  }

  return function hitLane(request, response, next) {
    const length = Number(request.headers["content-length"]);
    const type = request.headers["content-type"];
    if (
      request.method !== "POST" ||
      request.url !== "/graphql" ||
      !(type === "application/json" || type?.startsWith("application/json;")) ||
      request.headers["content-encoding"] !== undefined ||
      !(length > 0 && length <= limit) ||
      options.isShuttingDown()
    ) {
      next();
      return;
    }
    const started = performance.now();
    const chunks: Buffer[] = [];
    let received = 0;
    // A client that goes away mid-body is simply dropped: there is no one to answer.
    request.on("error", () => {});
    request.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    request.on("end", () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      const handOn = () => {
        replayBody(request, body);
        next();
      };
      // Fastify answers a length that does not match the header with its 400.
      if (received !== length) return handOn();
      check(request, response, body, started)
        .then(
          (answer) => {
            if (!answer) return handOn();
            batch.push(answer);
            if (batch.length === 1) setImmediate(sendBatch);
          },
          // Nothing is written before every check has passed, so a failure can still go the full way.
          () => handOn(),
        )
        .catch((error: unknown) => {
          options.logger.error({ err: error }, "request could not be handed on");
          response.destroy();
        });
    });
  };
}
