import { createHttpServer, createLogger, listen, signUserToken } from "@supergraph/kit";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { corsHeaders } from "../cors.ts";
import { createRouterMetrics } from "../metrics.ts";
import { createRateLimiter } from "../rate-limit.ts";
import { FastPath, fastKey, type Scope } from "./fast-path.ts";
import { createHitLane, missedInLane, rateLimitedInLane } from "./hit-lane.ts";
import { createCacheStore } from "./store.ts";

// The lane in front of a real Fastify server (the kit's), with the real fast path, store, rate limiter,
// metrics and logger. Fastify's own route stands for the rest of the router: it answers whatever the lane
// hands on, echoing the body it parsed, so a test sees which way a request went and what arrived there.

const jwt = loadConfig({}).jwt;
const QUERY = "query Lamp { product(id: 1) { name } }";
const ANSWER = '{"data":{"product":{"name":"Lamp"}}}';

async function startLane(options: { perMinute?: number; allows?: (query: unknown) => boolean; origins?: string[] } = {}) {
  const logs: string[] = [];
  const logger = createLogger("router", "info", { write: (line: string) => void logs.push(line) });
  const metrics = createRouterMetrics();
  const store = createCacheStore({ redisUrl: undefined, keyPrefix: "t:", timeoutMs: 100, maxTtlSeconds: 300, logger });
  const fastPath = new FastPath(store.raw, store.tags, store.health);
  const http = createHttpServer({ logger, metrics, readiness: async () => {} });
  http.app.post("/graphql", async (request) => ({ handedOn: true, body: request.body, missed: missedInLane(request.raw), spent: rateLimitedInLane(request.raw) }));
  http.setFrontDoor(
    createHitLane({
      fastPath,
      jwt,
      rateLimit: createRateLimiter({ perMinute: options.perMinute ?? 1000, redis: undefined, keyPrefix: "t:", timeoutMs: 100 }),
      metrics,
      allows: (request) => options.allows?.(request.query) ?? true,
      cors: corsHeaders(options.origins ?? ["*"]),
      clientIp: http.clientIp,
      logAccess: http.logAccess,
      logger,
      isShuttingDown: http.isShuttingDown,
      bodyLimitBytes: 1024 * 1024,
    }),
  );
  const url = `${await listen(http.app, "127.0.0.1", 0)}/graphql`;
  const remember = (scope: Scope, request: Record<string, unknown>, body = ANSWER) =>
    fastPath.remember(fastKey(scope, request) as string, { e: 0, t: {}, at: Date.now(), cc: "max-age=60, public", op: "Lamp" }, body, 60);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const close = () => http.app.close();
  running.push(close);
  return { url, logs, metrics, http, remember, post };
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()));
});

const handedOn = async (response: Response) => ((await response.json()) as { handedOn?: boolean }).handedOn === true;

describe("cache-hit lane", () => {
  it("answers a hit itself, with the stored bytes and the router's headers", async () => {
    const lane = await startLane();
    await lane.remember("public", { query: QUERY, operationName: "Lamp" });
    const response = await lane.post({ query: QUERY, operationName: "Lamp" }, { "x-request-id": "trace-1" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(ANSWER);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "max-age=60, public",
      "x-cache": "HIT",
      "x-request-id": "trace-1",
      age: "0",
      vary: "Origin",
      "access-control-expose-headers": "x-request-id, x-cache, age, retry-after",
    });
  });

  it("records every hit it serves: metrics and the access line", async () => {
    const lane = await startLane();
    await lane.remember("public", { query: QUERY });
    await Promise.all(Array.from({ length: 20 }, () => lane.post({ query: QUERY }).then((response) => response.text())));
    expect(await lane.metrics.registry.getSingleMetricAsString("response_cache_requests_total")).toMatch(/\{result="hit"[^}]*\} 20$/m);
    const durations = await lane.metrics.graphqlRequests.get();
    expect(durations.values.find((value) => value.metricName?.endsWith("_count"))).toMatchObject({ labels: { operation: "Lamp", outcome: "ok" }, value: 20 });
    const lines = lane.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === "request");
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatchObject({ service: "router", method: "POST", url: "/graphql", statusCode: 200 });
  });

  it("answers many hits arriving together, each with its own answer", async () => {
    const lane = await startLane();
    const names = Array.from({ length: 30 }, (_, index) => `item${index}`);
    for (const name of names) await lane.remember("public", { query: `{ ${name} }` }, `{"data":{"${name}":1}}`);
    const answers = await Promise.all(names.map((name) => lane.post({ query: `{ ${name} }` }, { "x-request-id": name }).then(async (response) => [response.headers.get("x-request-id"), await response.text()])));
    expect(answers).toEqual(names.map((name) => [name, `{"data":{"${name}":1}}`]));
  });

  it("hands a miss on to Fastify with its body intact", async () => {
    const lane = await startLane();
    const response = await lane.post({ query: "{ other }", variables: { a: "é" } });
    // Marked as looked up, so the router's handler does not look it up again.
    expect(await response.json()).toEqual({
      handedOn: true,
      body: { query: "{ other }", variables: { a: "é" } },
      missed: true,
      spent: { allowed: true, retryAfterSeconds: 0 },
    });
    // Not looked up here: no query text (a persisted-query hash, resolved later), or a refused token.
    const hashOnly = await lane.post({ extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } });
    expect(((await hashOnly.json()) as { missed: boolean }).missed).toBe(false);
    const badToken = await lane.post({ query: "{ other }" }, { authorization: "Bearer nope" });
    expect(((await badToken.json()) as { missed: boolean }).missed).toBe(false);
  });

  it("hands on what it does not serve: other methods, paths, types, chunked, malformed or poisoned bodies", async () => {
    const lane = await startLane();
    await lane.remember("public", { query: QUERY });
    const body = JSON.stringify({ query: QUERY });
    const chunked = await fetch(lane.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(await handedOn(chunked)).toBe(true);
    expect((await lane.post("{not json")).status).toBe(400);
    expect((await lane.post(`{"query":"${QUERY}","__proto__":{"x":1}}`)).status).toBe(400);
    expect(await handedOn(await lane.post([{ query: QUERY }]))).toBe(true);
    expect(await handedOn(await fetch(lane.url, { method: "POST", headers: { "content-type": "text/plain" }, body }))).toBe(true);
    expect(await handedOn(await fetch(`${lane.url}?debug=1`, { method: "POST", headers: { "content-type": "application/json" }, body }))).toBe(true);
  });

  it("serves a private entry to its user only, and hands a refused token on", async () => {
    const lane = await startLane();
    const token = (userId: string) => signUserToken({ userId, role: "CUSTOMER" }, jwt);
    await lane.remember("private:u1", { query: QUERY }, '{"data":{"mine":1}}');
    expect(await (await lane.post({ query: QUERY }, { authorization: `Bearer ${token("u1")}` })).text()).toBe('{"data":{"mine":1}}');
    expect(await handedOn(await lane.post({ query: QUERY }, { authorization: `Bearer ${token("u2")}` }))).toBe(true);
    expect(await handedOn(await lane.post({ query: QUERY }))).toBe(true);
    expect(await handedOn(await lane.post({ query: QUERY }, { authorization: "Bearer forged.token.here" }))).toBe(true);
  });

  it("counts hits against the rate limit, and hands a spent budget on (to get its 429 there)", async () => {
    const lane = await startLane({ perMinute: 3 });
    await lane.remember("public", { query: QUERY });
    const ways = [];
    for (let request = 0; request < 4; request++) ways.push((await lane.post({ query: QUERY })).headers.get("x-cache"));
    expect(ways).toEqual(["HIT", "HIT", "HIT", null]);
  });

  it("spends a request's rate-limit point once, and hands its decision on with it", async () => {
    const lane = await startLane({ perMinute: 3 });
    await lane.remember("public", { query: QUERY });
    type HandedOn = { spent?: { allowed: boolean; retryAfterSeconds: number } };
    // Not looked up, so not spent here: the router's context spends it.
    const badToken = (await (await lane.post({ query: "{ other }" }, { authorization: "Bearer nope" })).json()) as HandedOn;
    expect(badToken.spent).toBeUndefined();
    expect((await lane.post({ query: QUERY })).headers.get("x-cache")).toBe("HIT");
    // A miss spends its point here, with the lookup, and carries the decision to the context.
    expect(((await (await lane.post({ query: "{ other }" })).json()) as HandedOn).spent).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect((await lane.post({ query: QUERY })).headers.get("x-cache")).toBe("HIT");
    // The budget (3) is spent: a hit is handed on refused, to get its 429 there without spending again.
    const refused = (await (await lane.post({ query: QUERY })).json()) as HandedOn;
    expect(refused.spent?.allowed).toBe(false);
    expect(refused.spent?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("hands on an operation the persisted-operations rule would refuse or log", async () => {
    const lane = await startLane({ allows: (query) => query !== QUERY });
    await lane.remember("public", { query: QUERY });
    expect(await handedOn(await lane.post({ query: QUERY }))).toBe(true);
  });

  it("sets the CORS headers @fastify/cors would: the origin only when allowed", async () => {
    const lane = await startLane({ origins: ["https://app.example"] });
    await lane.remember("public", { query: QUERY });
    const allowed = await lane.post({ query: QUERY }, { origin: "https://app.example" });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await lane.post({ query: QUERY }, { origin: "https://evil.example" });
    expect(other.headers.get("x-cache")).toBe("HIT");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("steps aside while the server shuts down", async () => {
    const lane = await startLane();
    await lane.remember("public", { query: QUERY });
    lane.http.markShuttingDown();
    expect(await handedOn(await lane.post({ query: QUERY }))).toBe(true);
  });
});
