import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliCompressSync } from "node:zlib";
import { buildSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { runHitsVsBare } from "./hits-vs-bare.ts";
import { runLoad } from "./load.ts";
import { benchNode, imageNodeMajor } from "./node-binary.ts";
import { canPair, parseEnvList, runPair } from "./pair.ts";
import { runPublicShape } from "./public-shape/run.ts";
import { removeRouterImage, routerImage } from "./router-image.ts";
import { runSubscriptionClients } from "./subscriptions/clients.ts";
import { runWrk, useWrk } from "./wrk.ts";

// The harness's machinery runs on the Node running the tests; real runs fetch the image's (node-binary.ts).
process.env.BENCH_NODE ??= "current";
const current = benchNode("current");

describe("the load generator", () => {
  it("counts every response that differs from the reference as an error, not just failed requests", async () => {
    let served = 0;
    const server = createServer((_request, response) => {
      served++;
      // Every third answer is wrong: other data, or an error next to the right data.
      const body =
        served % 3 === 0
          ? served % 2
            ? '{"data":{"n":2}}'
            : '{"data":{"n":1},"errors":[{"message":"x"}]}'
          : '{"data":{"n":1}}';
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const result = await runLoad({
      url,
      body: "{}",
      connections: 1,
      warmupSeconds: 0,
      durationSeconds: 1,
      expected: '{"data":{"n":1}}',
    });
    server.close();
    expect(result.requests).toBeGreaterThan(30);
    expect(result.errors / result.requests).toBeGreaterThan(0.25);
    expect(result.errors / result.requests).toBeLessThan(0.42);
    expect(result.p50).toBeGreaterThan(0);
  });
});

describe("compressed answers", () => {
  // A server that answers brotli bytes only to a request that asks for them, and every fifth time other bytes.
  async function brotliServer() {
    let served = 0;
    const right = brotliCompressSync('{"data":{"n":1}}');
    const server = createServer((request, response) => {
      served++;
      const asked = request.headers["accept-encoding"] === "br";
      const body = asked && served % 5 !== 0 ? right : brotliCompressSync('{"data":{"n":2}}');
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "br" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, right, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
  }
  const options = (url: string, right: Buffer, headers?: Record<string, string>) =>
    ({
      url,
      body: "{}",
      headers,
      connections: 1,
      warmupSeconds: 0,
      durationSeconds: 1,
      distinct: true,
      expectedBase64: right.toString("base64"),
    }) as const;

  it("are checked as bytes by the Node generator, which sends the row's headers", async () => {
    const { server, right, url } = await brotliServer();
    const asked = await runLoad(options(url, right, { "accept-encoding": "br" }));
    const notAsked = await runLoad(options(url, right));
    server.close();
    expect(asked.errors / asked.requests).toBeGreaterThan(0.15);
    expect(asked.errors / asked.requests).toBeLessThan(0.25);
    expect(notAsked.errors).toBe(notAsked.requests);
  });

  it.runIf(useWrk())(
    "are checked as bytes by wrk, which sends the row's headers on distinct requests too",
    async () => {
      const { server, right, url } = await brotliServer();
      const asked = await runWrk(options(url, right, { "accept-encoding": "br" }), right, "others");
      server.close();
      expect(asked.requests).toBeGreaterThan(100);
      expect(asked.errors / asked.requests).toBeGreaterThan(0.15);
      expect(asked.errors / asked.requests).toBeLessThan(0.25);
    },
  );
});

describe("the public-shape benchmark", () => {
  afterAll(removeRouterImage);

  it("runs gateways on the same supergraph and checks their answers", { timeout: 120_000 }, async () => {
    // Long enough for a plain gateway on a loaded machine to complete a few of its slow, cold requests.
    const results = await runPublicShape({ seconds: 2, warmupSeconds: 1, unloadedSeconds: 1, connections: 4 }, [
      "apollo-gateway",
      "router cache-hit",
    ]);
    expect(results.map((result) => `${result.name}@${result.connections}`)).toEqual([
      "apollo-gateway@4",
      "apollo-gateway@1",
      "router cache-hit@4",
      "router cache-hit@1",
    ]);
    for (const result of results) {
      expect(result.errors, result.name).toBe(0);
      expect(result.requests, result.name).toBeGreaterThan(0);
      expect(result.cpuPer1k, result.name).toBeGreaterThan(0);
    }
    // Apollo's planner needs 16 subgraph fetches for TestQuery; a cache hit needs none.
    expect(results[0]?.fetchesPerOp).toBe(16);
    expect(results[2]?.fetchesPerOp).toBe(0);
  });

  it.runIf(canPair())(
    "runs two routers side by side for a ratio of their CPU per cache hit (npm run bench:pair)",
    { timeout: 120_000 },
    async () => {
      const settings = { rounds: 2, seconds: 1, warmupSeconds: 1, connections: 2, identical: false };
      // A holds few log lines: were its output not read, it would drop lines within a fraction of a second,
      // and the pair refuse to count it. (Not the 64 KB minimum: with the rest of the suite running on both
      // cores, this test's own process can pause reading for longer than 64 KB of lines take to write.)
      const a = {
        label: "A" as const,
        dir: routerImage(),
        env: { LOG_BUFFER_MAX_BYTES: String(512 * 1024) },
        node: current,
      };
      const rounds = await runPair({
        ...settings,
        a,
        b: { label: "B", dir: routerImage(), env: { LOG_LEVEL: "warn" }, node: current },
      });
      expect(rounds.map((round) => round.round)).toEqual([1, 2]);
      for (const { a, b, ratio, stealPercent } of rounds) {
        expect(stealPercent).toBeGreaterThanOrEqual(0);
        expect([a.errors, b.errors]).toEqual([0, 0]);
        expect(a.rps).toBeGreaterThan(0);
        expect(b.rps).toBeGreaterThan(0);
        expect(ratio).toBeCloseTo(b.usPerHit / a.usPerHit, 10);
        expect(ratio).toBeGreaterThan(0);
      }
      // Each side's settings reach its router: one without a response cache is refused, not measured.
      const uncached = runPair({
        ...settings,
        rounds: 1,
        a: { label: "A", dir: routerImage(), env: {}, node: current },
        b: { label: "B", dir: routerImage(), env: { RESPONSE_CACHE: "false" }, node: current },
      });
      await expect(uncached).rejects.toThrow(/router B did not answer from its cache/);
      // A side whose answers go wrong under load (here refused: its rate limit is spent) is not counted as cheaper.
      const refusing = runPair({
        ...settings,
        rounds: 1,
        a: { label: "A", dir: routerImage(), env: {}, node: current },
        b: { label: "B", dir: routerImage(), env: { RATE_LIMIT_PER_MINUTE: "100" }, node: current },
      });
      await expect(refusing).rejects.toThrow(/router B gave \d+ wrong or failed answers in round 1/);
      // wrk runs whole seconds: anything else would skew CPU per hit, so it is refused before anything starts.
      await expect(runPair({ ...settings, seconds: 1.5, a, b: a })).rejects.toThrow(/must be whole seconds/);
    },
  );

  it.runIf(canPair())(
    "loads cache hits and the bare server in turn, every answer checked (npm run bench:hits)",
    { timeout: 120_000 },
    async () => {
      const settings = { rounds: 2, seconds: 1, warmupSeconds: 1, connections: 2 };
      // Refused before anything starts: no rounds, or seconds wrk cannot run.
      await expect(runHitsVsBare({ ...settings, rounds: 0 })).rejects.toThrow(/not a count of rounds/);
      await expect(runHitsVsBare({ ...settings, seconds: 1.5 })).rejects.toThrow(/must be whole seconds/);
      const rounds = await runHitsVsBare(settings);
      expect(rounds.map((round) => round.round)).toEqual([1, 2]);
      for (const { router, bare } of rounds) {
        expect([router.errors, bare.errors]).toEqual([0, 0]);
        for (const figures of [router, bare]) {
          expect(figures.rps).toBeGreaterThan(0);
          expect(figures.p99).toBeGreaterThan(0);
          expect(figures.usPerRequest).toBeGreaterThan(0);
        }
      }
    },
  );
});

describe("bench:pair settings", () => {
  it("takes NAME=value pairs and refuses anything else", () => {
    expect(parseEnvList(" LOG_LEVEL=warn  NODE_OPTIONS=--max-old-space-size=512 ", "X")).toEqual({
      LOG_LEVEL: "warn",
      NODE_OPTIONS: "--max-old-space-size=512",
    });
    expect(parseEnvList(undefined, "X")).toEqual({});
    expect(() => parseEnvList("LOG_LEVEL", "BENCH_PAIR_B_ENV")).toThrow(
      /BENCH_PAIR_B_ENV: "LOG_LEVEL" is not NAME=value/,
    );
    expect(() => parseEnvList("log_level=warn", "X")).toThrow(/not NAME=value/);
  });
});

describe.runIf(useWrk())("wrk, when installed", () => {
  it("counts every response that differs from the expected bytes as an error, and makes requests distinct", async () => {
    let served = 0;
    const nonces = new Set<string>();
    const server = createServer((request, response) => {
      served++;
      nonces.add(String(request.headers["x-nonce"]));
      const body = served % 4 === 0 ? '{"data":{"n":2}}' : '{"data":{"n":1}}';
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const result = await runWrk(
      { url, body: '{"query":"{ n }"}', connections: 1, warmupSeconds: 0, durationSeconds: 1, distinct: true },
      '{"data":{"n":1}}',
      "others",
    );
    server.close();
    expect(result.requests).toBeGreaterThan(100);
    expect(result.errors / result.requests).toBeGreaterThan(0.2);
    expect(result.errors / result.requests).toBeLessThan(0.3);
    expect(nonces.size).toBe(served);
  });

  it("paces a set rate with random think times, so connections do not fall into step", async () => {
    const arrivals: number[] = [];
    const server = createServer((_request, response) => {
      arrivals.push(performance.now());
      response.writeHead(200, { "content-type": "application/json" }).end('{"data":{"n":1}}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // One connection at 200 req/s: 5 ms of think time on average, drawn from 0 to 10 ms.
    const result = await runWrk(
      { url, body: "{}", connections: 1, warmupSeconds: 0, durationSeconds: 2, rate: 200 },
      '{"data":{"n":1}}',
      "others",
    );
    server.close();
    expect(result.errors).toBe(0);
    // Paced, not saturated (which would be thousands a second); a loaded machine lands below the rate.
    expect(result.rps).toBeGreaterThan(100);
    expect(result.rps).toBeLessThan(260);
    const gaps = arrivals.slice(1).map((at, index) => at - (arrivals[index] as number));
    const sorted = gaps.sort((a, b) => a - b);
    // A fixed think time would space every request about 5 ms apart.
    expect(sorted[Math.floor(sorted.length * 0.1)]).toBeLessThan(2.5);
    expect(sorted[Math.floor(sorted.length * 0.9)]).toBeGreaterThan(7.5);
  });
});

describe("the open loop", () => {
  it("offers the set rate and counts latency from each request's scheduled time", async () => {
    // A server that stalls every 50th request by 100 ms: in a closed loop the stall would also hold back
    // the requests behind it unseen; here their waiting shows in the latency.
    let served = 0;
    const server = createServer((_request, response) => {
      served++;
      const send = () => response.writeHead(200, { "content-type": "application/json" }).end('{"data":{"n":1}}');
      if (served % 50 === 0) setTimeout(send, 100);
      else send();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const result = await runLoad({
      url,
      body: "{}",
      connections: 2,
      warmupSeconds: 0,
      durationSeconds: 2,
      expected: '{"data":{"n":1}}',
      rate: 200,
    });
    server.close();
    expect(result.errors).toBe(0);
    expect(result.rps).toBeGreaterThan(180);
    expect(result.rps).toBeLessThan(220);
    expect(result.p50).toBeLessThan(20);
    expect(result.p99).toBeGreaterThan(50);
  });
});

describe("the subscription clients", () => {
  it("count each event a subscriber misses as lost, and time deliveries from the mutation's response", async () => {
    // A stand-in router: each mutation is answered, then its event published 20 ms later, except that the
    // first subscriber misses every fifth price.
    const queues: Array<(price: number) => void> = [];
    const prices: number[] = [];
    const dropped = new Set<number>();
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const price = (JSON.parse(body) as { variables: { price: number } }).variables.price;
        prices.push(price);
        response.writeHead(200, { "content-type": "application/json" }).end('{"data":{"updateProduct":{"id":"1"}}}');
        setTimeout(() => {
          for (const [index, push] of queues.entries()) {
            if (index === 0 && price % 5 === 0) dropped.add(price);
            else push(price);
          }
        }, 20);
      });
    });
    const schema = buildSchema(
      "type Product { id: ID! priceCents: Int! } type Query { _: Int } type Subscription { productUpdated(id: ID!): Product! }",
    );
    const roots = {
      subscription: {
        productUpdated: async function* () {
          const waiting: number[] = [];
          let wake: (() => void) | undefined;
          queues.push((price) => {
            waiting.push(price);
            wake?.();
          });
          for (;;) {
            const price = waiting.shift();
            if (price === undefined) await new Promise<void>((resolve) => (wake = resolve));
            else yield { productUpdated: { id: "1", priceCents: price } };
          }
        },
      },
    };
    const sockets = new WebSocketServer({ server, path: "/graphql" });
    const graphqlWs = useServer({ schema, roots }, sockets);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const result = await runSubscriptionClients({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
      token: "t",
      productId: "1",
      query: "subscription($id: ID!) { productUpdated(id: $id) { id priceCents } }",
      subscribers: 3,
      warmupSeconds: 0,
      durationSeconds: 1,
      deliveryTimeoutMs: 100,
    });
    await graphqlWs.dispose();
    sockets.close();
    server.close();
    // The measured mutations are the last ones sent.
    const measured = prices.slice(-result.mutations);
    const missed = measured.filter((price) => dropped.has(price)).length;
    expect(result.mutations).toBeGreaterThan(3);
    expect(missed).toBeGreaterThan(0);
    expect(result.expected).toBe(3 * result.mutations);
    expect(result.expected - result.delivered).toBe(missed);
    expect(result.timeouts).toBe(missed);
    expect(result.errors).toBe(0);
    // Published 20 ms after the response: no delivery can be timed earlier than that.
    expect(result.p50).toBeGreaterThanOrEqual(19);
    expect(result.beforeResponse).toBe(0);
  });
});

describe("the Node benchmarked processes run on", () => {
  it("is the major version the router's image ships, a path, or the bench's own; an unknown path is refused", () => {
    expect(imageNodeMajor()).toBeGreaterThanOrEqual(20);
    expect(benchNode("current")).toEqual({ path: process.execPath, version: process.version });
    expect(benchNode(process.execPath).version).toBe(process.version);
    expect(() => benchNode("/no/such/node")).toThrow(/BENCH_NODE/);
  });
});
