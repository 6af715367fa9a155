import zlib from "node:zlib";
import { createHttpServer, createLogger, listen, signUserToken } from "@supergraph/kit/runtime";
import { buildSchema } from "graphql";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../config.ts";
import { createCompression, type Encodable, type Encoding, varyWithAccept } from "../http/compression.ts";
import { corsHeaders, corsOptions } from "../http/cors.ts";
import { parseReplayedBodies } from "../http/replay-body.ts";
import { createRouterMetrics } from "../process/metrics.ts";
import { createRateLimiter } from "../protection/rate-limit.ts";
import { createHitLane, handedOn as laneHandoff } from "./hit-lane.ts";
import { entryKey, ResponseCache, type Scope } from "./response-cache.ts";
import { memoryCacheStore } from "./testing.ts";

// The lane in front of a real Fastify server (the kit's), with the real fast path, store, rate limiter,
// metrics and logger. Fastify's own route stands for the rest of the router: it answers whatever the lane
// hands on, echoing the body it parsed, so a test sees which way a request went and what arrived there.

const jwt = loadConfig({}).jwt;
const QUERY = "query Lamp { product(id: 1) { name } }";
const ANSWER = '{"data":{"product":{"name":"Lamp"}}}';

async function startLane(
  options: { perMinute?: number; allows?: (query: unknown) => boolean; origins?: string[]; compress?: boolean } = {},
) {
  const logs: string[] = [];
  const logger = createLogger("router", "info", { write: (line: string) => void logs.push(line) });
  const metrics = createRouterMetrics();
  const store = memoryCacheStore(logger);
  const real = createCompression({ enabled: options.compress ?? true, minBytes: 1024 });
  // Counts the compressions the fast path starts (each encoded form is to be made once).
  const compressions: string[] = [];
  const compression = {
    ...real,
    encode: (holder: Encodable, encoding: Encoding) => {
      compressions.push(encoding);
      return real.encode(holder, encoding);
    },
  };
  const cache = new ResponseCache(store, compression, {
    maxEntryBytes: 1024 * 1024,
    maxTtlSeconds: 300,
    rules: () => ({}),
  });
  const schema = buildSchema("type Query { product(id: Int): Int }");
  cache.serve(schema);
  const http = createHttpServer({ logger, metrics, readiness: async () => {} });
  parseReplayedBodies(http.app);
  await http.app.register((await import("@fastify/cors")).default, corsOptions(options.origins ?? ["*"]));
  await compression.register(http.app);
  // What Fastify (with the router's CORS and compression) sends for the same bytes, to compare with the lane.
  http.app.post("/fastify", async (_request, reply) =>
    reply
      .type("application/json; charset=utf-8")
      .header("vary", varyWithAccept(reply.getHeader("vary")))
      .send(Buffer.from(String((_request.body as { answer: string }).answer))),
  );
  http.app.post("/graphql", async (request) => {
    const handoff = laneHandoff(request.raw);
    return {
      handedOn: true,
      body: request.body,
      missed: handoff?.cache.lookedUp === true,
      refresh: (handoff?.cache.refresh ?? null) !== null,
      spent: handoff?.decision,
    };
  });
  http.setFrontDoor(
    createHitLane({
      cache,
      jwt,
      rateLimit: createRateLimiter({
        perMinute: options.perMinute ?? 1000,
        redis: undefined,
        keyPrefix: "t:",
        timeoutMs: 100,
      }),
      metrics,
      compression,
      allows: (request) => options.allows?.(request.query) ?? true,
      cors: corsHeaders(options.origins ?? ["*"]),
      clientIp: http.clientIp,
      logAccess: http.logAccess,
      logger,
      isShuttingDown: http.isShuttingDown,
      isListenerClosed: http.isListenerClosed,
      bodyLimitBytes: 1024 * 1024,
    }),
  );
  const url = `${await listen(http.app, "127.0.0.1", 0)}/graphql`;
  // An entry of 60 s, written `ageSeconds` ago.
  const remember = async (scope: Scope, request: Record<string, unknown>, body = ANSWER, ageSeconds = 0) => {
    const key = entryKey(cache.fingerprint(schema), scope, request) as string;
    // Written `ageSeconds` ago.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - ageSeconds * 1000 });
    try {
      await cache.write({
        key,
        body,
        tags: [],
        generation: await store.tags.generation(),
        ttlSeconds: 60,
        cacheControl: "max-age=60, public",
        operationName: "Lamp",
        refresh: null,
      });
    } finally {
      vi.useRealTimers();
    }
  };
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  // Its keep-alive connections (fetch keeps them) ended at once: a stopping server would wait a second
  // for them to be idle (keep-alive-drain.ts), in every test.
  const close = async () => {
    const closing = http.app.close();
    http.app.server.closeAllConnections();
    await closing;
  };
  running.push(close);
  return { url, logs, metrics, http, remember, post, compressions };
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()));
});

const handedOn = async (response: Response) => ((await response.json()) as { handedOn?: boolean }).handedOn === true;

describe("cache-hit lane", () => {
  it("answers a hit itself, with the stored bytes and the router's headers", async () => {
    const lane = await startLane();
    await lane.remember("public:anonymous", { query: QUERY, operationName: "Lamp" });
    const response = await lane.post({ query: QUERY, operationName: "Lamp" }, { "x-request-id": "trace-1" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(ANSWER);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "max-age=60, public",
      "x-cache": "HIT",
      "x-request-id": "trace-1",
      age: "0",
      vary: "Origin, Accept",
      "access-control-expose-headers": "x-request-id, x-cache, age, retry-after",
    });
  });

  it("records every hit it serves: metrics and the access line", async () => {
    const lane = await startLane();
    await lane.remember("public:anonymous", { query: QUERY });
    await Promise.all(
      Array.from({ length: 20 }, () => lane.post({ query: QUERY }).then((response) => response.text())),
    );
    expect(await lane.metrics.registry.getSingleMetricAsString("response_cache_requests_total")).toMatch(
      /\{result="hit"[^}]*\} 20$/m,
    );
    const durations = await lane.metrics.graphqlRequests.get();
    expect(durations.values.find((value) => value.metricName?.endsWith("_count"))).toMatchObject({
      labels: { operation: "Lamp", outcome: "ok" },
      value: 20,
    });
    const lines = lane.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "request");
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatchObject({ service: "router", method: "POST", url: "/graphql", statusCode: 200 });
  });

  it("answers many hits arriving together, each with its own answer", async () => {
    const lane = await startLane();
    const names = Array.from({ length: 30 }, (_, index) => `item${index}`);
    for (const name of names)
      await lane.remember("public:anonymous", { query: `{ ${name} }` }, `{"data":{"${name}":1}}`);
    const answers = await Promise.all(
      names.map((name) =>
        lane
          .post({ query: `{ ${name} }` }, { "x-request-id": name })
          .then(async (response) => [response.headers.get("x-request-id"), await response.text()]),
      ),
    );
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
      refresh: false,
      spent: { allowed: true, retryAfterSeconds: 0 },
    });
    // A persisted query sent by its hash alone is looked up by it (the key holds the query's hash).
    const hashOnly = await lane.post({ extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } });
    expect(((await hashOnly.json()) as { missed: boolean }).missed).toBe(true);
    // Not looked up here: a refused token (it gets its 401 there).
    const badToken = await lane.post({ query: "{ other }" }, { authorization: "Bearer nope" });
    expect(((await badToken.json()) as { missed: boolean }).missed).toBe(false);
  });

  it("sends a hit in the Content-Type Apollo Server would choose from the Accept header", async () => {
    const lane = await startLane();
    await lane.remember("public:anonymous", { query: QUERY });
    const typeFor = async (accept?: string) => {
      const response = await lane.post({ query: QUERY }, accept ? { accept } : {});
      return response.headers.get("x-cache") === "HIT" ? response.headers.get("content-type") : "handed on";
    };
    expect(await typeFor()).toBe("application/json; charset=utf-8");
    expect(await typeFor("*/*")).toBe("application/json; charset=utf-8");
    expect(await typeFor("application/json")).toBe("application/json; charset=utf-8");
    // What Apollo Client and urql send.
    expect(await typeFor("application/graphql-response+json,application/json;q=0.9")).toBe(
      "application/graphql-response+json; charset=utf-8",
    );
    expect(
      await typeFor(
        "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed",
      ),
    ).toBe("application/graphql-response+json; charset=utf-8");
    // Nothing the router offers: Apollo Server answers it (406), after the lane looked nothing up.
    expect(await typeFor("text/html")).toBe("handed on");
  });

  it("hands one request on to refresh a hot entry in its last tenth of life, and serves the others from it", async () => {
    const lane = await startLane();
    // 60 s, written 55 s ago: in its last 6 s.
    await lane.remember("public:anonymous", { query: QUERY }, ANSWER, 55);
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await lane.post({ query: QUERY });
        return response.headers.get("x-cache") === "HIT"
          ? "hit"
          : ((await response.json()) as { missed: boolean; refresh: boolean });
      }),
    );
    // The one handed on skips the handler's lookup too (missed), and does not read the cache (refresh).
    const handed = answers.filter((answer) => answer !== "hit");
    expect(handed).toHaveLength(1);
    expect(handed[0]).toMatchObject({ missed: true, refresh: true });
    // Not claimed again at once (a refresh that stores nothing may be retried after a while: response-cache.test.ts).
    expect((await lane.post({ query: QUERY })).headers.get("x-cache")).toBe("HIT");
    // Its refresh stored, the new entry is served, and refreshed in its own last tenth only.
    await lane.remember("public:anonymous", { query: QUERY }, ANSWER, 0);
    expect((await lane.post({ query: QUERY })).headers.get("age")).toBe("0");
    await lane.remember("public:anonymous", { query: QUERY }, ANSWER, 53);
    expect((await lane.post({ query: QUERY })).headers.get("x-cache")).toBe("HIT");
    await lane.remember("public:anonymous", { query: QUERY }, ANSWER, 55);
    expect(((await (await lane.post({ query: QUERY })).json()) as { refresh: boolean }).refresh).toBe(true);
  });

  it("hands on what it does not serve: other methods, paths, types, chunked, malformed or poisoned bodies", async () => {
    const lane = await startLane();
    await lane.remember("public:anonymous", { query: QUERY });
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
    const strict = { accept: "application/graphql-response+json" };
    expect((await lane.post("{not json", strict)).status).toBe(400);
    expect((await lane.post(`{"query":"${QUERY}","__proto__":{"x":1}}`, strict)).status).toBe(400);
    expect(await handedOn(await lane.post([{ query: QUERY }]))).toBe(true);
    // Bodies Apollo Server refuses with a 400 (the entry's operation, but fields of the wrong type).
    for (const refused of [
      { operationName: 1 },
      { variables: "{}" },
      { variables: [] },
      { extensions: "x" },
      { extensions: 1 },
    ]) {
      expect(await handedOn(await lane.post({ query: QUERY, ...refused })), JSON.stringify(refused)).toBe(true);
    }
    expect(
      (await lane.post({ query: QUERY, operationName: null, variables: null, extensions: {} })).headers.get("x-cache"),
    ).toBe("HIT");
    // A text body is Fastify's to refuse (415), not the lane's to answer.
    const text = await fetch(lane.url, { method: "POST", headers: { "content-type": "text/plain" }, body });
    expect([text.status, text.headers.get("x-cache")]).toEqual([415, null]);
    expect(
      await handedOn(
        await fetch(`${lane.url}?debug=1`, { method: "POST", headers: { "content-type": "application/json" }, body }),
      ),
    ).toBe(true);
  });

  it("serves a private entry to its user only, and hands a refused token on", async () => {
    const lane = await startLane();
    const token = (userId: string) => signUserToken({ userId, role: "CUSTOMER" }, jwt);
    await lane.remember("private:u1:CUSTOMER", { query: QUERY }, '{"data":{"mine":1}}');
    expect(await (await lane.post({ query: QUERY }, { authorization: `Bearer ${token("u1")}` })).text()).toBe(
      '{"data":{"mine":1}}',
    );
    expect(await handedOn(await lane.post({ query: QUERY }, { authorization: `Bearer ${token("u2")}` }))).toBe(true);
    expect(await handedOn(await lane.post({ query: QUERY }))).toBe(true);
    expect(await handedOn(await lane.post({ query: QUERY }, { authorization: "Bearer forged.token.here" }))).toBe(true);
  });

  it("counts hits against the rate limit, and hands a spent budget on (to get its 429 there)", async () => {
    const lane = await startLane({ perMinute: 3 });
    await lane.remember("public:anonymous", { query: QUERY });
    const ways = [];
    for (let request = 0; request < 4; request++) ways.push((await lane.post({ query: QUERY })).headers.get("x-cache"));
    expect(ways).toEqual(["HIT", "HIT", "HIT", null]);
  });

  it("spends a request's rate-limit point once, and hands its decision on with it", async () => {
    const lane = await startLane({ perMinute: 3 });
    await lane.remember("public:anonymous", { query: QUERY });
    type HandedOn = { spent?: { allowed: boolean; retryAfterSeconds: number } };
    // Not looked up, so not spent here: the router's context spends it.
    const badToken = (await (
      await lane.post({ query: "{ other }" }, { authorization: "Bearer nope" })
    ).json()) as HandedOn;
    expect(badToken.spent).toBeUndefined();
    expect((await lane.post({ query: QUERY })).headers.get("x-cache")).toBe("HIT");
    // A miss spends its point here, with the lookup, and carries the decision to the context.
    expect(((await (await lane.post({ query: "{ other }" })).json()) as HandedOn).spent).toEqual({
      allowed: true,
      retryAfterSeconds: 0,
    });
    expect((await lane.post({ query: QUERY })).headers.get("x-cache")).toBe("HIT");
    // The budget (3) is spent: a hit is handed on refused, to get its 429 there without spending again.
    const refused = (await (await lane.post({ query: QUERY })).json()) as HandedOn;
    expect(refused.spent?.allowed).toBe(false);
    expect(refused.spent?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("hands on an operation the persisted-operations rule would refuse or log", async () => {
    const lane = await startLane({ allows: (query) => query !== QUERY });
    await lane.remember("public:anonymous", { query: QUERY });
    expect(await handedOn(await lane.post({ query: QUERY }))).toBe(true);
  });

  it("sets the CORS headers @fastify/cors would: the origin only when allowed", async () => {
    const lane = await startLane({ origins: ["https://app.example"] });
    await lane.remember("public:anonymous", { query: QUERY });
    const allowed = await lane.post({ query: QUERY }, { origin: "https://app.example" });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await lane.post({ query: QUERY }, { origin: "https://evil.example" });
    expect(other.headers.get("x-cache")).toBe("HIT");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  describe("compression", () => {
    // Big enough to be compressed (the threshold is 1 KB), and varied enough not to be trivial.
    const BIG = JSON.stringify({
      data: {
        products: Array.from({ length: 60 }, (_, index) => ({
          id: String(index),
          name: `Lamp ${index}`,
          price: index * 37,
        })),
      },
    });
    const decode = (encoding: string | undefined, bytes: Buffer) =>
      encoding === "br"
        ? zlib.brotliDecompressSync(bytes)
        : encoding === "gzip"
          ? zlib.gunzipSync(bytes)
          : encoding === "deflate"
            ? zlib.inflateSync(bytes)
            : bytes;
    /** The raw answer (undici's request neither asks for nor undoes compression), as a client sees it. */
    async function raw(url: string, body: unknown, headers: Record<string, string>) {
      const response = await request(url, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://app.example", ...headers },
        body: JSON.stringify(body),
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      const encoding = response.headers["content-encoding"] as string | undefined;
      return {
        encoding,
        vary: response.headers.vary,
        length: Number(response.headers["content-length"]),
        sent: bytes.length,
        text: decode(encoding, bytes).toString(),
        cache: response.headers["x-cache"],
      };
    }

    it("sends a hit in the encoding Fastify's responses get, for every way of asking", async () => {
      const lane = await startLane();
      await lane.remember("public:anonymous", { query: QUERY }, BIG);
      const asks: Array<Record<string, string>> = [
        {},
        { "accept-encoding": "gzip, deflate, br" },
        { "accept-encoding": "br;q=0.5, gzip" },
        { "accept-encoding": "deflate" },
        { "accept-encoding": "*" },
        { "accept-encoding": "x-gzip" },
        { "accept-encoding": "identity" },
        { "accept-encoding": "zstd" },
        { "accept-encoding": "br;q=0, gzip;q=0" },
        { "accept-encoding": "BR" },
        { "accept-encoding": "br", "x-no-compression": "1" },
      ];
      for (const headers of asks) {
        const hit = await raw(lane.url, { query: QUERY }, headers);
        const fastify = await raw(lane.url.replace(/graphql$/, "fastify"), { answer: BIG }, headers);
        expect(hit.cache, JSON.stringify(headers)).toBe("HIT");
        expect({ encoding: hit.encoding, vary: hit.vary, text: hit.text }, JSON.stringify(headers)).toEqual({
          encoding: fastify.encoding,
          vary: fastify.vary,
          text: BIG,
        });
        // The length is the bytes sent, compressed or not.
        expect(hit.length).toBe(hit.sent);
      }
      // The cases that matter most, spelled out.
      expect((await raw(lane.url, { query: QUERY }, { "accept-encoding": "gzip, deflate, br" })).encoding).toBe("br");
      expect((await raw(lane.url, { query: QUERY }, { "accept-encoding": "br;q=0.5, gzip" })).encoding).toBe("gzip");
      const plain = await raw(lane.url, { query: QUERY }, {});
      expect(plain).toMatchObject({ encoding: undefined, vary: "Origin, Accept", sent: BIG.length });
    });

    it("sends small hits as they are, and none compressed when compression is off", async () => {
      const lane = await startLane();
      await lane.remember("public:anonymous", { query: QUERY });
      expect(await raw(lane.url, { query: QUERY }, { "accept-encoding": "br" })).toMatchObject({
        cache: "HIT",
        encoding: undefined,
        text: ANSWER,
      });
      const off = await startLane({ compress: false });
      await off.remember("public:anonymous", { query: QUERY }, BIG);
      expect(await raw(off.url, { query: QUERY }, { "accept-encoding": "br" })).toMatchObject({
        cache: "HIT",
        encoding: undefined,
        vary: "Origin, Accept",
        text: BIG,
      });
    });

    it("compresses an entry once per encoding, for all the clients that ask, at once or after", async () => {
      const lane = await startLane();
      await lane.remember("public:anonymous", { query: QUERY }, BIG);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => raw(lane.url, { query: QUERY }, { "accept-encoding": "br" })),
      );
      expect(new Set(answers.map((answer) => answer.text))).toEqual(new Set([BIG]));
      expect(
        answers.every((answer) => answer.cache === "HIT" && answer.encoding === "br" && answer.sent < BIG.length / 3),
      ).toBe(true);
      expect(lane.compressions).toEqual(["br"]);
      await raw(lane.url, { query: QUERY }, { "accept-encoding": "gzip" });
      expect(lane.compressions).toEqual(["br", "gzip"]);
    });
  });

  it("steps aside while the server shuts down", async () => {
    const lane = await startLane();
    await lane.remember("public:anonymous", { query: QUERY });
    lane.http.markShuttingDown();
    expect(await handedOn(await lane.post({ query: QUERY }))).toBe(true);
  });
});
