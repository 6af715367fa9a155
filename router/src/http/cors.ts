import type { FastifyCorsOptions } from "@fastify/cors";

// Browsers may call the router from CORS_ORIGINS (`*`: any). @fastify/cors answers preflights and adds the
// headers to every response Fastify sends; the cache-hit lane (cache/hit-lane.ts) answers in front of
// Fastify, so it adds the same headers itself, from the same settings (a test compares the two).

/**
 * Request headers a browser may send (CORS_ALLOW_HEADERS): what Apollo Client, urql, GraphiQL and
 * OpenTelemetry's fetch instrumentation send. A header missing here fails the preflight, and with it every
 * request of that app.
 */
export const CORS_ALLOW_HEADERS = [
  "accept",
  "content-type",
  "authorization",
  "apollographql-client-name",
  "apollographql-client-version",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "traceparent",
  "tracestate",
  "baggage",
  "x-request-id",
];

/** Response headers a browser's script may read (CORS_EXPOSE_HEADERS). */
export const CORS_EXPOSE_HEADERS = ["x-request-id", "x-cache", "age", "retry-after"];

export interface CorsHeaderLists {
  allowHeaders: string[];
  exposeHeaders: string[];
}

const defaults: CorsHeaderLists = { allowHeaders: CORS_ALLOW_HEADERS, exposeHeaders: CORS_EXPOSE_HEADERS };

export function corsOptions(origins: string[], headers: CorsHeaderLists = defaults): FastifyCorsOptions {
  return {
    origin: origins.includes("*") ? true : origins,
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: headers.allowHeaders.map((name) => name.toLowerCase()),
    exposedHeaders: headers.exposeHeaders.length ? headers.exposeHeaders.map((name) => name.toLowerCase()) : undefined,
    maxAge: 600,
  };
}

/**
 * The CORS headers of a response (not a preflight) to a request from `origin`, as @fastify/cors sets them:
 * a flat list of names and values, as Node's `writeHead` takes them (the same list every time for a
 * request from no allowed origin).
 */
export function corsHeaders(
  origins: string[],
  exposeHeaders: string[] = CORS_EXPOSE_HEADERS,
): (origin: string | undefined) => readonly string[] {
  const any = origins.includes("*");
  const exposed = exposeHeaders.length
    ? ["access-control-expose-headers", exposeHeaders.map((name) => name.toLowerCase()).join(", ")]
    : [];
  const notAllowed = ["vary", "Origin", ...exposed];
  return (origin) => {
    const allowed = origin !== undefined && origin !== "" && (any || origins.includes(origin));
    return allowed ? ["vary", "Origin", "access-control-allow-origin", origin, ...exposed] : notAllowed;
  };
}
