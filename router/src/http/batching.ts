import { ErrorCode, sendError } from "@supergraph/kit/runtime";
import type { FastifyReply, FastifyRequest } from "fastify";
import { EMPTY_OPERATION } from "./well-formed.ts";

/**
 * Operation batching (Apollo's `BatchHttpLink`): a POST whose JSON body is an array of operations, answered
 * with an array of their results, in order. Each operation takes the path it would take sent alone (rate
 * limit, cache lookup, Apollo Server), run by `answer` on a request of its own; only the cost limit counts
 * them together (BatchCost), and none waits on an identical operation in flight (coalescing) to share its
 * answer, as that would not be costed.
 *
 * Not Apollo Server's `allowBatchedHttpRequests`: it executes the operations inside Apollo Server, past the
 * router's cache lookup, coalescing and per-operation rate limit.
 */
export function createBatching(options: {
  /** MAX_BATCH_SIZE: the most operations in one batch; 0 refuses every batch. */
  maxBatchSize: number;
  /** One operation's result, as the JSON text a single request would get in its body. */
  answer: (request: FastifyRequest) => Promise<string>;
}) {
  return {
    /**
     * A preValidation hook: a batch that is empty, too large or holds something other than objects is
     * refused before the persisted-operations check walks it, and before any operation spends anything.
     */
    check(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
      const body = request.body;
      if (request.method !== "POST" || !Array.isArray(body)) {
        done();
        return;
      }
      const refusal =
        options.maxBatchSize === 0
          ? "Operation batching is disabled here: send one operation per request."
          : body.length === 0
            ? "A batch must hold at least one operation."
            : body.length > options.maxBatchSize
              ? `A batch may hold at most ${options.maxBatchSize} operations; this one has ${body.length}.`
              : body.some((operation) => !operation || typeof operation !== "object" || Array.isArray(operation))
                ? "Each operation in a batch must be a JSON object."
                : body.some((operation) => Object.keys(operation).length === 0)
                  ? EMPTY_OPERATION
                  : null;
      if (refusal) {
        sendError(reply, 400, ErrorCode.BAD_REQUEST, refusal);
        return;
      }
      done();
    },

    /**
     * Answers a batch: 200 once every operation has its result, each result's errors in the result
     * itself (as Apollo Server's own batching answers). The operations run at once, as Apollo Server
     * runs them: a client needing one after another sends them in separate requests.
     */
    async answer(
      request: FastifyRequest,
      reply: FastifyReply,
      operations: object[],
      contentType: string,
    ): Promise<unknown> {
      const spent: BatchCost = { cost: 0 };
      const results = await Promise.all(
        operations.map((operation) => options.answer(operationRequest(request, operation, contentType, spent))),
      );
      // The request's timeout has answered it meanwhile.
      if (reply.sent) return reply;
      return reply
        .code(200)
        .type(contentType)
        .send(`[${results.join(",")}]`);
    },
  };
}

/**
 * What the operations of one batch have cost so far: the cost limit applies to a batch as a whole (each
 * operation's result is in the one response), so ten operations just under it cannot answer ten times the
 * bytes the limit allows.
 */
export interface BatchCost {
  cost: number;
}

const BATCH = Symbol("batch");

/** The batch a request's operation belongs to (its cost so far); undefined for a request of one operation. */
export const batchOf = (request: FastifyRequest): BatchCost | undefined =>
  (request as FastifyRequest & { [BATCH]?: BatchCost })[BATCH];

/**
 * One operation of a batch as a request of its own: the batch's request with this body, and an Accept of
 * the batch's media type (a result in an array cannot be a multipart stream).
 */
function operationRequest(
  request: FastifyRequest,
  body: object,
  contentType: string,
  batch: BatchCost,
): FastifyRequest {
  return Object.create(request, {
    body: { value: body, enumerable: true },
    headers: { value: { ...request.headers, accept: contentType }, enumerable: true },
    [BATCH]: { value: batch },
  }) as FastifyRequest;
}
