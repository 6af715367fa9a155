import { once } from "node:events";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import {
  APPLICATION_JSON,
  ErrorCode,
  httpStatusFor,
  isErrorCode,
  requestId,
  responseContentType,
  TRANSPORT_STATUSES,
  type UserTokenConfig,
} from "@supergraph/kit/runtime";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type ExecutionResult, GraphQLError, getOperationAST, OperationTypeNode, parse } from "graphql";
import { createHandler } from "graphql-sse/lib/use/fastify";
import { identify } from "../context.ts";
import { isWellFormed } from "../http/well-formed.ts";
import type { Subscriber, SubscriptionRequest, SubscriptionService } from "./service.ts";

export interface HttpSubscriptionOptions {
  service: SubscriptionService;
  jwt: UserTokenConfig;
  clientIp: (request: IncomingMessage) => string;
  /** A multipart stream sends an empty part this often, so proxies and clients know it is alive. */
  heartbeatMs: number;
  /** LIMIT_TOKENS: a document is read this far, at most, to tell a subscription (before any rate limit). */
  maxTokens: number;
  /**
   * The persisted-operations check's refusal of the request (its route's preHandler checked it, and logged
   * it in `log` mode): refused here before any rate limit, and not checked again by the service.
   */
  refusal: (params: unknown) => Error | null;
}

const MULTIPART = /multipart\/mixed/i;
const SUBSCRIPTION_SPEC = /subscriptionSpec="?1\.0"?/i;
const EVENT_STREAM = /text\/event-stream/i;
const JSON_TYPES = /application\/(graphql-response\+json|graphql\+json|json)|\*\/\*/i;
const BOUNDARY = "graphql";

/**
 * Subscriptions over HTTP at `/graphql`, as the two streaming protocols clients send them:
 *  - GraphQL over SSE (graphql-sse's "distinct connections" mode: `Accept: text/event-stream`), served by
 *    graphql-sse's own handler;
 *  - Apollo's multipart subscriptions (`Accept: multipart/mixed;subscriptionSpec=1.0`, what Apollo Client
 *    sends by default). No server library implements it outside Apollo Router and Yoga; its framing is a
 *    boundary, a JSON part per event and an empty part as heartbeat, written here.
 * The token is the Authorization header, checked when the stream starts and then by the service.
 */
export function createHttpSubscriptions(options: HttpSubscriptionOptions) {
  const subscriber = (request: FastifyRequest): Subscriber => ({
    token: identify(request.headers, options.jwt),
    clientIp: options.clientIp(request.raw),
    requestId: requestId(request.headers),
    headers: request.headers,
    safelistChecked: true,
  });

  const sse = createHandler<{ stream: AsyncGenerator<ExecutionResult> }>({
    // Distinct connections only: one stream per subscription, no reservation tokens to keep.
    authenticate: () => null,
    onSubscribe: async (request, params) => {
      let who: Subscriber;
      try {
        who = subscriber(request.raw);
      } catch (error) {
        return refusalResponse(request.raw, { errors: [error as GraphQLError] });
      }
      const started = await options.service.subscribe(params, who);
      if (!(Symbol.asyncIterator in started)) return refusalResponse(request.raw, started as ExecutionResult);
      return {
        schema: options.service.schema,
        document: parse(params.query as string),
        operationName: params.operationName,
        variableValues: params.variables,
        contextValue: { stream: started as AsyncGenerator<ExecutionResult> },
      };
    },
    subscribe: (args) => args.contextValue.stream,
  });

  async function multipart(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let started: Awaited<ReturnType<SubscriptionService["subscribe"]>>;
    try {
      started = await options.service.subscribe(params(request), subscriber(request));
    } catch (error) {
      started = { errors: [error as GraphQLError] };
    }
    if (!(Symbol.asyncIterator in started)) {
      sendRefusal(reply, started as ExecutionResult);
      return;
    }
    const stream = started as AsyncGenerator<ExecutionResult>;
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "content-type": `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
      "cache-control": "no-cache",
      "x-request-id": requestId(request.headers),
    });
    // Headers and the first boundary now: the client's fetch resolves, and it sees the stream begin before the first event.
    response.write(`\r\n--${BOUNDARY}`);
    // Each part closes with the boundary after it: Apollo Client and urql read a part only once that boundary has
    // arrived, so a part without it would wait for the next event or heartbeat (5 s).
    const part = (json: string) => `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}\r\n--${BOUNDARY}`;
    const heartbeat = setInterval(() => response.write(part("{}")), options.heartbeatMs);
    response.once("close", () => void stream.return(undefined));
    // A client that went away while the subscription was being checked closed before the listener was there.
    if (response.destroyed) void stream.return(undefined);
    try {
      for await (const result of stream) {
        if (response.destroyed) break;
        // A client that does not read holds the next event back; its subscription's backlog then fills
        // and ends it (service.ts), so nothing here grows without bound.
        if (!response.write(part(JSON.stringify({ payload: result }))))
          await Promise.race([once(response, "drain"), once(response, "close")]).catch(() => {});
      }
    } finally {
      clearInterval(heartbeat);
      if (!response.destroyed) response.end("--\r\n");
    }
  }

  return {
    /** Whether the request is a subscription (or asks for a stream) that this serves instead of Apollo Server. */
    handles(request: FastifyRequest): "sse" | "multipart" | "refuse" | null {
      const accept = request.headers.accept ?? "";
      const { query, operationName } = params(request);
      const subscription =
        typeof query === "string" &&
        query.includes("subscription") &&
        isSubscription(query, operationName, options.maxTokens);
      // Clients list every type they can read (urql: JSON types, then text/event-stream and multipart/mixed):
      // a query or mutation goes to an event stream only for a client that reads nothing else.
      if (!subscription) return EVENT_STREAM.test(accept) && !JSON_TYPES.test(accept) ? "sse" : null;
      if (MULTIPART.test(accept) && SUBSCRIPTION_SPEC.test(accept)) return "multipart";
      if (EVENT_STREAM.test(accept)) return "sse";
      return "refuse";
    },

    async handle(kind: "sse" | "multipart" | "refuse", request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const refused = options.refusal(request.method === "GET" ? request.query : request.body);
      if (refused) {
        sendRefusal(reply, { errors: [refused as GraphQLError] });
        return;
      }
      if (kind === "sse") {
        // graphql-sse answers malformed parameters (a batch, `variables` that are not a map) with messages
        // of its own and no code: refused here as a query's are, 400 for every client.
        if (!isWellFormed(request)) {
          void reply
            .code(400)
            .type(APPLICATION_JSON)
            .send(
              refusalBody({
                errors: [
                  new GraphQLError(
                    "An event stream takes one operation: a non-empty `query` string, and `variables` and `extensions` that are maps.",
                    { extensions: { code: ErrorCode.BAD_REQUEST } },
                  ),
                ],
              }),
            );
          return;
        }
        // graphql-sse serves only an exact `Accept: text/event-stream` (404 otherwise), and clients list more
        // (urql: `text/event-stream, multipart/mixed`); the stream is chosen already.
        request.headers.accept = "text/event-stream";
        reply.hijack();
        return sse(request, reply);
      }
      if (kind === "multipart") return multipart(request, reply);
      sendRefusal(reply, {
        errors: [
          new GraphQLError(
            "A subscription needs a streaming response: send `Accept: multipart/mixed;subscriptionSpec=1.0` or `text/event-stream`, or use GraphQL over WebSocket.",
            {
              extensions: { code: ErrorCode.BAD_REQUEST },
            },
          ),
        ],
      });
    },
  };
}

function params(request: FastifyRequest): SubscriptionRequest {
  const source = (request.method === "GET" ? request.query : request.body) as Record<string, unknown> | undefined;
  if (!source || typeof source !== "object" || Array.isArray(source)) return {};
  if (request.method !== "GET") return source;
  // GET carries variables and extensions as JSON strings.
  const json = (value: unknown) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  };
  return { ...source, variables: json(source.variables), extensions: json(source.extensions) };
}

function isSubscription(query: string, operationName: unknown, maxTokens: number): boolean {
  try {
    return (
      getOperationAST(parse(query, { maxTokens }), typeof operationName === "string" ? operationName : undefined)
        ?.operation === OperationTypeNode.SUBSCRIPTION
    );
  } catch {
    // Apollo Server reports the syntax error, or the token limit.
    return false;
  }
}

/** The status a refused subscription gets: its code's status for graphql-response+json, 200 for application/json (as queries). */
function refusalStatus(accept: string | undefined, result: ExecutionResult): { status: number; type: string } {
  const code = result.errors?.[0]?.extensions?.code;
  const status = isErrorCode(code) ? httpStatusFor[code] : 400;
  const type = responseContentType(accept) ?? APPLICATION_JSON;
  return { status: type === APPLICATION_JSON && !TRANSPORT_STATUSES.has(status) ? 200 : status, type };
}

/** A refusal's JSON, as a query's: `extensions.http` (a status for Apollo Server) is not the client's. */
function refusalBody(result: ExecutionResult): string {
  return JSON.stringify({
    errors: result.errors?.map((error) => {
      const { http: _, ...extensions } = error.extensions ?? {};
      return { ...error.toJSON(), extensions };
    }),
  });
}

/** A rate-limited refusal's Retry-After, as a query's 429 has it. */
function retryAfter(result: ExecutionResult): Record<string, string> {
  const seconds = result.errors?.[0]?.extensions?.retryAfterSeconds;
  return typeof seconds === "number" && seconds > 0 ? { "retry-after": String(Math.ceil(seconds)) } : {};
}

function sendRefusal(reply: FastifyReply, result: ExecutionResult): void {
  const { status, type } = refusalStatus(reply.request.headers.accept, result);
  void reply.code(status).headers(retryAfter(result)).type(type).send(refusalBody(result));
}

/** graphql-sse's way to answer with a status of our own instead of a stream. */
function refusalResponse(
  request: FastifyRequest,
  result: ExecutionResult,
): [string, { status: number; statusText: string; headers: Record<string, string> }] {
  const code = result.errors?.[0]?.extensions?.code;
  const status = isErrorCode(code) ? httpStatusFor[code] : 400;
  return [
    refusalBody(result),
    {
      status,
      // graphql-sse's client shows it in its error ("Server responded with 401: Unauthorized").
      statusText: STATUS_CODES[status] ?? "",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-request-id": requestId(request.headers),
        ...retryAfter(result),
      },
    },
  ];
}

export type HttpSubscriptions = ReturnType<typeof createHttpSubscriptions>;
