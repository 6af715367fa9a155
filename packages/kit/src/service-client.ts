import { appError, ErrorCode, isErrorCode } from "./errors.ts";
import { createInternalTokenSigner, INTERNAL_TOKEN_HEADER } from "./internal-token.ts";
import { injectTraceContext } from "./tracing.ts";
import type { Viewer } from "./user-token.ts";

/** The other service did not answer (refused, reset, or too slow): the call may or may not have happened. */
export class ServiceUnreachableError extends Error {
  override name = "ServiceUnreachableError";
}

export interface ServiceClientOptions {
  /** This service's name; the callee checks it (see requireCaller). */
  caller: string;
  /** The called service, for messages. */
  target: string;
  url: string;
  internalTokenSecret: string;
  timeoutMs: number;
}

export interface CallOptions {
  viewer?: Viewer | null;
  requestId?: string;
  /** When the caller stops waiting (`Date.now()` ms): the call's timeout is cut to it, and none is made past it. */
  deadline?: number;
}

/**
 * GraphQL calls from one subgraph to another's internal API, signed as this service. A coded error from
 * the callee (NOT_FOUND, INSUFFICIENT_STOCK, …) is rethrown with its code and message, so it reaches the
 * client unchanged; anything uncoded becomes an internal error. A transport failure or a timeout
 * (`AbortSignal.timeout`) throws ServiceUnreachableError and is never retried here: only the caller knows
 * whether its operation is safe to repeat.
 */
export function createServiceClient(options: ServiceClientOptions) {
  const sign = createInternalTokenSigner(options.caller, options.internalTokenSecret);
  return async function call<T>(
    query: string,
    variables: Record<string, unknown>,
    callOptions: CallOptions = {},
  ): Promise<T> {
    let body: { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    const timeoutMs = Math.min(options.timeoutMs, (callOptions.deadline ?? Number.POSITIVE_INFINITY) - Date.now());
    if (timeoutMs <= 0) throw new ServiceUnreachableError(`The ${options.target} service was not called: no time left`);
    try {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        [INTERNAL_TOKEN_HEADER]: sign(callOptions.viewer ?? null),
        ...(callOptions.requestId ? { "x-request-id": callOptions.requestId } : {}),
      };
      injectTraceContext((name, value) => {
        headers[name] = value;
      });
      const response = await fetch(options.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = (await response.json()) as typeof body;
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : String(error);
      throw new ServiceUnreachableError(`The ${options.target} service is unreachable: ${reason}`);
    }
    const first = body.errors?.[0];
    if (first) {
      const { code, stacktrace: _stacktrace, ...extensions } = first.extensions ?? {};
      if (isErrorCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR)
        throw appError(code, first.message, extensions);
      throw new Error(`The ${options.target} service failed: ${first.message}`);
    }
    if (!body.data) throw new Error(`The ${options.target} service returned no data`);
    return body.data;
  };
}
export type ServiceCall = ReturnType<typeof createServiceClient>;
