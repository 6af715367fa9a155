import type { FastifyCorsOptions } from "@fastify/cors";

// Browsers may call the router from CORS_ORIGINS (`*`: any). @fastify/cors answers preflights and adds the
// headers to every response Fastify sends; the cache-hit lane (cache/hit-lane.ts) answers in front of
// Fastify, so it adds the same headers itself, from the same settings (a test compares the two).

const EXPOSED_HEADERS = ["x-request-id", "x-cache", "age", "retry-after"];

export function corsOptions(origins: string[]): FastifyCorsOptions {
  return {
    origin: origins.includes("*") ? true : origins,
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type", "authorization", "x-request-id", "apollo-require-preflight", "x-apollo-operation-name"],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  };
}

/**
 * The CORS headers of a response (not a preflight) to a request from `origin`, as @fastify/cors sets them:
 * a flat list of names and values, as Node's `writeHead` takes them (the same list every time for a
 * request from no allowed origin).
 */
export function corsHeaders(origins: string[]): (origin: string | undefined) => readonly string[] {
  const any = origins.includes("*");
  const exposed = ["access-control-expose-headers", EXPOSED_HEADERS.join(", ")];
  const notAllowed = ["vary", "Origin", ...exposed];
  return (origin) => {
    const allowed = origin !== undefined && origin !== "" && (any || origins.includes(origin));
    return allowed ? ["vary", "Origin", "access-control-allow-origin", origin, ...exposed] : notAllowed;
  };
}
