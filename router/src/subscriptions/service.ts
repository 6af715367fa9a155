import type { IncomingHttpHeaders } from "node:http";
import type { GraphQLDataSource } from "@apollo/gateway";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import {
  ErrorCode,
  INTERNAL_TOKEN_HEADER,
  type Logger,
  startOperationSpan,
  type VerifiedToken,
  type Viewer,
} from "@supergraph/kit/runtime";
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
} from "graphql";
import { rateLimitKey, TOO_MANY_REQUESTS } from "../context.ts";
import type { CostLimit } from "../protection/cost.ts";
import { limitErrorCode, limitValidationRules, type QueryLimits } from "../protection/limits.ts";
import type { RateLimiter } from "../protection/rate-limit.ts";
import type { Revocations } from "../protection/revocations.ts";
import { FederatedSubscriptions } from "./federated.ts";
import { type Membership, SharedUpstreams } from "./shared.ts";
import { SubgraphSubscriptionClients } from "./upstream.ts";

export interface SubscriptionRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** Who subscribes, as the protocol's handshake established it. */
export interface Subscriber {
  token: VerifiedToken | null;
  clientIp: string;
  requestId: string;
  /** The request that opened it (the WebSocket upgrade, or the stream's POST): its trace context is continued. */
  headers: IncomingHttpHeaders;
  /** The persisted-operations rule was applied to it before (an HTTP stream, by its route): not again. */
  safelistChecked?: boolean;
}

export interface SubscriptionLimits {
  /** Live subscriptions per client (per user when signed in, else per address), over all its connections. */
  perClient: number;
  /** How often a live subscription's token is checked against revocations. */
  revocationCheckMs: number;
  /** Events a subscription may have waiting for its client before it is ended as a slow consumer. */
  maxBacklog: number;
}

export interface SubscriptionServiceOptions {
  limits: QueryLimits;
  costLimit: CostLimit;
  subscriptions: SubscriptionLimits;
  /** Whether the persisted-operations rule lets this operation run, logged in `log` mode (see persisted-operations.ts). */
  permits: (request: { query?: string; extensions?: unknown }) => boolean;
  signInternalToken: (viewer: Viewer | null, clientIp?: string) => string;
  revocations: Revocations;
  /** The router's rate limit: each subscription a client starts spends a point, as a query does. */
  rateLimit: RateLimiter;
  onRateLimited?: () => void;
  /** Each subgraph's URL (its subscriptions are served over WebSocket at the same address). */
  urls: ReadonlyMap<string, string>;
  /** The gateway's data sources, filled as it builds them: events are completed with the same fetches. */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  logger: Logger;
  onActive?: (delta: number) => void;
  onEvent?: () => void;
  /** The number of subscriptions open at the subgraphs (identical ones share one, see shared.ts). */
  onUpstreams?: (size: number) => void;
  onEnded?: (reason: EndReason) => void;
  /** Every error a client sees goes through the router's formatError, as a query's do (masking, codes). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/** Why a live subscription ended on the router's side; sent to the client as its last message. */
export type EndReason = "expired" | "revoked" | "shutdown" | "upstream" | "slow";

const refusal = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): ExecutionResult => ({
  errors: [new GraphQLError(message, { extensions: { code, ...extensions } })],
});

/**
 * Subscriptions through the router, whatever the client's protocol: the same checks a query gets (parse
 * with the token limit, validation with the query limits, the persisted-operations rule, the signed-in
 * identity and its revocation), then the federated plan, the primary subgraph's events and, for each, the
 * rest of the selection from the other subgraphs. A subscription ends with a coded error when its token
 * expires or is revoked, when the router shuts down, or when its subgraph goes away.
 */
export function createSubscriptionService(options: SubscriptionServiceOptions) {
  let federated: FederatedSubscriptions | undefined;
  const upstream = new SubgraphSubscriptionClients(options.urls, () => ({
    [INTERNAL_TOKEN_HEADER]: options.signInternalToken(null),
  }));
  const shared = new SharedUpstreams(options.onUpstreams);
  /** Which supergraph subscriptions are planned against: only those planned against the same one share. */
  let generation = 0;
  const perClient = new Map<string, number>();
  const live = new Set<(reason: EndReason) => void>();

  /** A result as the client gets it: its errors formatted (and masked) as a query's are. */
  const format = (result: ExecutionResult): ExecutionResult =>
    result.errors
      ? ({
          ...result,
          errors: result.errors.map((error) =>
            options.formatError(typeof error.toJSON === "function" ? error.toJSON() : error, error),
          ),
        } as unknown as ExecutionResult)
      : result;

  function prepare(
    request: SubscriptionRequest,
    safelistChecked = false,
  ):
    | {
        document: DocumentNode;
        operationName: string | undefined;
        /** The operation's own name, as logs and spans show it (null: anonymous). */
        name: string | null;
        variables: Record<string, unknown>;
      }
    | ExecutionResult {
    if (!federated) return refusal(ErrorCode.SERVICE_UNAVAILABLE, "The supergraph is not loaded yet.");
    if (typeof request.query !== "string" || request.query === "")
      return refusal(ErrorCode.BAD_REQUEST, "A subscription needs a `query` string.");
    if (request.operationName != null && typeof request.operationName !== "string")
      return refusal(ErrorCode.BAD_REQUEST, "`operationName` must be a string.");
    if (request.variables != null && (typeof request.variables !== "object" || Array.isArray(request.variables))) {
      return refusal(ErrorCode.BAD_REQUEST, "`variables` must be an object.");
    }
    if (!safelistChecked && !options.permits({ query: request.query, extensions: request.extensions })) {
      return refusal(ErrorCode.QUERY_NOT_IN_SAFELIST, "This operation is not in the persisted-operations list.");
    }
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: options.limits.tokens });
    } catch (error) {
      const limit = limitErrorCode({ message: (error as Error).message });
      return refusal((limit as ErrorCode | undefined) ?? ErrorCode.GRAPHQL_PARSE_FAILED, (error as Error).message);
    }
    const errors = validate(federated.schema, document, [...specifiedRules, ...limitValidationRules(options.limits)]);
    if (errors.length) {
      return {
        errors: errors.map((error) => {
          const limit = error.extensions.limit as string | undefined;
          return new GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { code: limit ?? ErrorCode.GRAPHQL_VALIDATION_FAILED },
          });
        }),
      };
    }
    const operationName = (request.operationName as string | null | undefined) ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return refusal(ErrorCode.OPERATION_RESOLUTION_FAILURE, "The document does not name one operation to run.");
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      return refusal(
        ErrorCode.BAD_REQUEST,
        "Only subscriptions are served here; send queries and mutations with POST /graphql.",
      );
    }
    const variables = (request.variables as Record<string, unknown> | null) ?? {};
    const cost = options.costLimit.check(federated.schema, document, operation, variables);
    if (cost) return { errors: [cost] };
    return { document, operationName, name: operation.name?.value ?? null, variables };
  }

  return {
    /** Plans every later subscription against this supergraph (live ones keep theirs). */
    update(supergraphSdl: string): void {
      federated = new FederatedSubscriptions(supergraphSdl, options.dataSources);
      generation++;
    },

    /** The subscription's results, or one result with the errors that refused it. */
    async subscribe(
      request: SubscriptionRequest,
      subscriber: Subscriber,
      /** Called once when a subscription that started ends, whoever ends it. */
      onEnd?: () => void,
    ): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
      const token = subscriber.token;
      // Whose budget and live subscriptions these are: the same key as its queries'.
      const client = rateLimitKey(token, () => subscriber.clientIp);
      // Spent before anything is parsed or planned: starting subscriptions costs what sending queries does.
      const decision = await options.rateLimit(client);
      if (!decision.allowed) {
        options.onRateLimited?.();
        return refusal(ErrorCode.RATE_LIMITED, TOO_MANY_REQUESTS, { retryAfterSeconds: decision.retryAfterSeconds });
      }
      const prepared = prepare(request, subscriber.safelistChecked);
      if (!("document" in prepared) || !federated) return prepared as ExecutionResult;
      if (token && (await options.revocations.isRevoked(token)))
        return refusal(ErrorCode.UNAUTHENTICATED, "The token has been revoked: sign in again.");
      if (token && token.expiresAt * 1000 <= Date.now())
        return refusal(ErrorCode.UNAUTHENTICATED, "The token has expired.");
      const count = perClient.get(client) ?? 0;
      if (count >= options.subscriptions.perClient) {
        return refusal(
          ErrorCode.RATE_LIMITED,
          `At most ${options.subscriptions.perClient} subscriptions per client at once: end one first.`,
          { retryAfterSeconds: 1 },
        );
      }
      let planned: ReturnType<FederatedSubscriptions["plan"]>;
      try {
        planned = federated.plan(prepared.document, prepared.operationName, prepared.variables);
      } catch (error) {
        options.logger.warn({ err: error }, "subscription could not be planned");
        return refusal(ErrorCode.GRAPHQL_VALIDATION_FAILED, (error as Error).message);
      }
      const viewer = token && { userId: token.userId, role: token.role };

      // "client": the client ended it (its generator's return()), which nothing is sent for.
      let endedBy: EndReason | "client" | undefined;
      // Events are taken from the subgraph as they come, into a bounded backlog: a client that reads slower
      // than events arrive is ended (and counted), never buffered for without bound.
      const backlog: GatewayGraphQLResponse[] = [];
      let upstreamEnded: { error?: unknown } | undefined;
      let wake: () => void = () => {};
      const end = (reason: EndReason | "client") => {
        endedBy ??= reason;
        wake();
      };
      // Identical subscriptions of one viewer, planned against the same supergraph, share the subgraph's
      // subscription and each event's completion (shared.ts).
      let membership: Membership;
      try {
        membership = shared.join(
          JSON.stringify([generation, request.query, prepared.operationName ?? null, prepared.variables, viewer]),
          () =>
            upstream.subscribe(planned.primary, {
              [INTERNAL_TOKEN_HEADER]: options.signInternalToken(viewer, subscriber.clientIp),
            }),
          {
            event(event) {
              if (endedBy) return;
              if (backlog.length >= options.subscriptions.maxBacklog) end("slow");
              else backlog.push(event);
              wake();
            },
            ended(outcome) {
              upstreamEnded = outcome;
              wake();
            },
          },
        );
      } catch (error) {
        options.logger.error({ err: error, subgraph: planned.primary.subgraph }, "subscription could not be opened");
        return refusal(
          ErrorCode.SERVICE_UNAVAILABLE,
          `The ${planned.primary.subgraph} subgraph cannot be subscribed to.`,
        );
      }

      perClient.set(client, count + 1);
      options.onActive?.(1);
      // Logged and traced as a query is, from its start to its end (an access line is written when a request ends).
      const started = Date.now();
      const about = {
        reqId: subscriber.requestId,
        operation: prepared.name,
        subgraph: planned.primary.subgraph,
      };
      options.logger.info(about, "subscription started");
      // A shared completion runs in the span of the member that asked for it first.
      const span = startOperationSpan(`subscription ${prepared.name ?? planned.primary.subgraph}`, subscriber.headers, {
        "graphql.operation.type": "subscription",
        "graphql.operation.name": prepared.name ?? "",
        "http.request_id": subscriber.requestId,
        "supergraph.subgraph": planned.primary.subgraph,
      });
      let delivered = 0;
      const requestContext = {
        request: { query: request.query, variables: prepared.variables, operationName: prepared.operationName },
        context: {
          viewer,
          requestId: subscriber.requestId,
          clientIp: subscriber.clientIp,
          execution: { operationType: "subscription" },
        },
        metrics: {},
        logger: options.logger,
        cache: undefined,
      } as unknown as GatewayGraphQLRequestContext;

      live.add(end);
      const timers: NodeJS.Timeout[] = [];
      if (token) {
        timers.push(setTimeout(() => end("expired"), Math.max(0, token.expiresAt * 1000 - Date.now())));
        const check = setInterval(() => {
          options.revocations.isRevoked(token).then(
            (revoked) => revoked && end("revoked"),
            () => {},
          );
        }, options.subscriptions.revocationCheckMs);
        timers.push(check);
      }
      const release = () => {
        for (const timer of timers) clearTimeout(timer);
        live.delete(end);
        const left = (perClient.get(client) ?? 1) - 1;
        if (left > 0) perClient.set(client, left);
        else perClient.delete(client);
        options.onActive?.(-1);
      };

      async function* results(): AsyncGenerator<ExecutionResult> {
        try {
          while (true) {
            if (endedBy === "client") return;
            if (endedBy) {
              options.onEnded?.(endedBy);
              yield format(endedBecause(endedBy));
              return;
            }
            const event = backlog.shift();
            if (event) {
              options.onEvent?.();
              delivered++;
              yield format(
                await membership.complete(event, () => span.run(() => planned.complete(event, requestContext))),
              );
              continue;
            }
            if (upstreamEnded) {
              const error = upstreamEnded.error;
              if (error === undefined) return;
              // The subgraph refused or failed the subscription (graphql-ws's `error` message): its errors, as a query's.
              if (Array.isArray(error)) {
                yield format({ errors: error as GraphQLError[] });
                return;
              }
              options.logger.warn(
                { err: error, subgraph: planned.primary.subgraph },
                "subscription's subgraph connection ended",
              );
              yield format(endedBecause("upstream", planned.primary.subgraph));
              return;
            }
            // Woken by an event, the upstream's end or this subscription's (end() wakes it too).
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          await finish();
        }
      }
      /** Everything a subscription holds, given back once however it ends (also if its results were never read). */
      let finished = false;
      async function finish(): Promise<void> {
        if (finished) return;
        finished = true;
        release();
        onEnd?.();
        // Why it ended: the router's reason, the subgraph's end (complete, refused, or its connection lost), or the client's going away.
        const reason =
          endedBy ??
          (!upstreamEnded
            ? "client"
            : upstreamEnded.error === undefined
              ? "complete"
              : Array.isArray(upstreamEnded.error)
                ? "refused"
                : "upstream");
        options.logger.info({ ...about, events: delivered, ms: Date.now() - started, reason }, "subscription ended");
        span.end(
          { "supergraph.subscription.events": delivered, "supergraph.subscription.end_reason": reason },
          reason === "upstream",
        );
        membership.leave();
      }
      // A generator waiting for its next event runs a return() only after that event, and one never started
      // does not run its finally at all: the client's end (graphql-ws's complete, a closed stream) would hold
      // the subscription, its upstream and its place in the client's limit. Ending it first wakes the wait;
      // finish() then gives back what a generator never started still holds (it runs once either way).
      const generator = results();
      const generatorReturn = generator.return.bind(generator);
      generator.return = async (value) => {
        end("client");
        const result = await generatorReturn(value);
        await finish();
        return result;
      };
      return generator;
    },

    /** The schema clients' subscriptions are checked against (of the supergraph in service). */
    get schema() {
      if (!federated) throw new Error("the supergraph is not loaded yet");
      return federated.schema;
    },

    /** Ends every live subscription with the reason (shutdown: clients resubscribe to another replica). */
    endAll(reason: EndReason): void {
      for (const end of [...live]) end(reason);
    },

    get active(): number {
      return live.size;
    },

    /** Ends every subscription, waits (up to 2 s) for their last messages to go out, then closes the subgraph connections. */
    async close(): Promise<void> {
      this.endAll("shutdown");
      for (const deadline = Date.now() + 2_000; live.size > 0 && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 10));
      await upstream.dispose();
    },
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;

function endedBecause(reason: EndReason, subgraph?: string): ExecutionResult {
  switch (reason) {
    case "expired":
      return refusal(
        ErrorCode.UNAUTHENTICATED,
        "The token has expired: the subscription ended. Refresh the token and subscribe again.",
      );
    case "revoked":
      return refusal(ErrorCode.UNAUTHENTICATED, "The token has been revoked: the subscription ended.");
    case "shutdown":
      return refusal(
        ErrorCode.SERVICE_UNAVAILABLE,
        "The router is shutting down: subscribe again (another replica will serve it) and refetch.",
        { reason: "shutdown" },
      );
    case "slow":
      return refusal(
        ErrorCode.SERVICE_UNAVAILABLE,
        "Events arrived faster than this client read them: the subscription ended. Subscribe again and refetch.",
        { reason: "slow_consumer" },
      );
    case "upstream":
      return refusal(
        ErrorCode.SERVICE_UNAVAILABLE,
        `The ${subgraph} subgraph's event stream ended: subscribe again and refetch.`,
        { subgraph, reason: "upstream" },
      );
  }
}
