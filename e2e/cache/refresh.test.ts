import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  graphqlRequestCount,
  metricTotal,
  postOnNewConnection,
  postTo,
  type SignedIn,
  type Stack,
  signUpAdmin,
  startStack,
  untilHit,
} from "../harness.ts";
import { type ServiceProcess, startRouterWorkers, workersServing } from "../processes.ts";
import { delayingProxy } from "../proxy.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

// A hot entry is executed again by one request shortly before it expires (its last tenth of life), so under
// traffic it is replaced before it expires and no burst of requests misses at once. Entries here live 10 s
// (the router's cap), so the window is their last second; each burst aims at its middle.
const TTL_SECONDS = 10;
const withRedis = await redisAvailable();
const stores = withRedis ? (["memory", "redis"] as const) : (["memory"] as const);
const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

describe.each(stores)("response cache refresh (%s store)", (kind) => {
  let stack: Stack;
  let admin: SignedIn;
  const prefix = uniquePrefix(`refresh-${kind}`);

  beforeAll(async () => {
    stack = await startStack({
      routerEnv: {
        RESPONSE_CACHE_MAX_TTL_SECONDS: String(TTL_SECONDS),
        ...(kind === "redis" ? { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix } : {}),
      },
    });
    admin = await signUpAdmin(stack);
  });
  afterAll(async () => {
    await stack?.close();
    if (kind === "redis") await deleteKeys(prefix);
  });

  /** A read of a product's name and price from a router, answered by the hit lane or through Fastify (see postTo). */
  const reader = (routerUrl: string, way: "lane" | "fastify", id: string) => async () => {
    const body = JSON.stringify({
      query: `query Evergreen($id: ID!) { product(id: $id) { name priceCents } }`,
      variables: { id },
    });
    const response = await postTo(routerUrl, body, way);
    const json = (await response.json()) as { data?: unknown; errors?: unknown };
    return { cache: response.headers.get("x-cache"), age: Number(response.headers.get("age")), json };
  };

  it("refreshes a hot entry once before it expires, serving every other request from it, whichever way requests arrive", async () => {
    const refreshes = () => metricTotal(stack.routerInternalUrl, 'response_cache_requests_total{result="refresh"');
    const productsServed = () => graphqlRequestCount(stack.products.url);
    // One entry read in front of Fastify (the hit lane), one through it (the router's handler).
    const [lamp, desk] = await Promise.all(
      ["Evergreen Lamp", "Evergreen Desk"].map((name) => createProduct(stack, admin, { name })),
    );
    if (!lamp || !desk) throw new Error("products not created");
    const products = [lamp, desk];
    const reads = [reader(stack.routerUrl, "lane", lamp.id), reader(stack.routerUrl, "fastify", desk.id)];
    const expected = products.map((product) => ({ product: { name: product.name, priceCents: product.priceCents } }));

    // Each is stored in the background right after its miss is answered: its life starts about then.
    const stored: number[] = [];
    for (const read of reads) {
      expect((await read()).cache).toBe("MISS");
      stored.push(Date.now());
    }
    const window = (index: number, share: number) => (stored[index] as number) + TTL_SECONDS * 1000 * share;
    for (const read of reads) expect(await untilHit(async () => (await read()).cache)).toBe("HIT");

    // Before the window: hits, and nothing executed.
    const servedBefore = await productsServed();
    await sleepUntil(window(1, 0.5));
    for (const read of reads) expect((await read()).cache).toBe("HIT");
    expect(await refreshes()).toBe(0);

    // In the window, a burst on each: one request executes the operation again, the others are hits.
    const bursts = await Promise.all(
      reads.map(async (read, index) => {
        await sleepUntil(window(index, 0.95));
        return Promise.all(Array.from({ length: 8 }, read));
      }),
    );
    bursts.forEach((burst, index) => {
      expect(burst.map((result) => result.cache).sort()).toEqual([
        "HIT",
        "HIT",
        "HIT",
        "HIT",
        "HIT",
        "HIT",
        "HIT",
        "MISS",
      ]);
      for (const result of burst) expect(result.json.data).toEqual(expected[index]);
    });
    expect(await refreshes()).toBe(2);
    expect((await productsServed()) - servedBefore).toBe(2);

    // After the first entries' end: the refreshed ones are served (without the refresh, misses).
    await sleepUntil(window(1, 1) + 500);
    for (const [index, read] of reads.entries()) {
      const after = await read();
      expect(after).toMatchObject({ cache: "HIT", json: { data: expected[index] } });
      expect(after.age).toBeLessThan(3);
    }
    expect((await productsServed()) - servedBefore).toBe(2);
  });

  it("has a refresh that stored nothing given back, and tried again by another request a moment later", async () => {
    // The products subgraph behind a proxy that can fail: the first refresh gets an error, not an entry.
    const proxy = await delayingProxy(stack.products.url);
    const router = await stack.startRouter({ PRODUCTS_URL: proxy.url });
    try {
      const product = await createProduct(stack, admin, { name: "Evergreen Stool" });
      const read = reader(router.url, "lane", product.id);
      const expected = { product: { name: product.name, priceCents: product.priceCents } };
      expect((await read()).cache).toBe("MISS");
      const stored = Date.now();
      expect(await untilHit(async () => (await read()).cache)).toBe("HIT");
      const forwarded = proxy.forwarded();

      // In the window (its last second, from just after `stored`; a retry after a quarter of it): the
      // refresh fails.
      await sleepUntil(stored + TTL_SECONDS * 1000 * 0.905);
      proxy.fail = true;
      const failed = await read();
      proxy.fail = false;
      expect(failed.cache).toBe("MISS");
      expect(failed.json.errors).toBeDefined();
      expect(await read()).toMatchObject({ cache: "HIT", json: { data: expected } });
      // Given back: a request after the retry interval refreshes it again, and this one is stored.
      await sleepUntil(Date.now() + 400);
      expect(await read()).toMatchObject({ cache: "MISS", json: { data: expected } });
      expect(proxy.forwarded() - forwarded).toBe(1);

      // After the first entry's end: the refreshed one (without the retry, a miss).
      await sleepUntil(stored + TTL_SECONDS * 1000 + 500);
      const after = await read();
      expect(after).toMatchObject({ cache: "HIT", json: { data: expected } });
      expect(after.age).toBeLessThan(3);
    } finally {
      await router.close();
      await proxy.close();
    }
  });
});

// Routers sharing Redis (replicas, or ROUTER_WORKERS as here) each see a hot entry's window: one of them
// refreshes it, the others serve it and then the refreshed version.
describe.runIf(withRedis)("response cache refresh across router workers sharing Redis", () => {
  let stack: Stack;
  let admin: SignedIn;
  let router: ServiceProcess;
  const prefix = uniquePrefix("refresh-workers");

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUpAdmin(stack);
    router = await startRouterWorkers(stack, 2, {
      REDIS_URL: redisUrl,
      RESPONSE_CACHE_KEY_PREFIX: prefix,
      RESPONSE_CACHE_MAX_TTL_SECONDS: String(TTL_SECONDS),
    });
  });
  afterAll(async () => {
    if (router && router.child.exitCode === null) router.child.kill("SIGKILL");
    await stack?.close();
    await deleteKeys(prefix);
  });

  it("is refreshed by one worker, not one per worker", async () => {
    const product = await createProduct(stack, admin, { name: "Evergreen Shelf" });
    const query = {
      query: `query Shelf($id: ID!) { product(id: $id) { name priceCents } }`,
      variables: { id: product.id },
    };
    const expected = { product: { name: product.name, priceCents: product.priceCents } };
    // Each connection goes to the next worker: every request below is answered by both in turn.
    const read = (requestId?: string) =>
      postOnNewConnection(router.url, query, requestId ? { "x-request-id": requestId } : {});

    expect((await read()).cache).toBe("MISS");
    const stored = Date.now();
    let hits = 0;
    for (let attempt = 0; attempt < 40 && hits < 4; attempt++) {
      hits = (await read()).cache === "HIT" ? hits + 1 : 0;
      if (hits === 0) await sleepUntil(Date.now() + 25);
    }
    expect(hits).toBe(4);

    const servedBefore = await graphqlRequestCount(stack.products.url);
    await sleepUntil(stored + TTL_SECONDS * 1000 * 0.95);
    const ids = Array.from({ length: 8 }, (_, index) => `refresh-burst-${index}`);
    const burst = await Promise.all(ids.map(read));
    expect(burst.map((result) => result.cache).sort()).toEqual([
      "HIT",
      "HIT",
      "HIT",
      "HIT",
      "HIT",
      "HIT",
      "HIT",
      "MISS",
    ]);
    for (const result of burst) expect(result.json.data).toEqual(expected);
    expect((await graphqlRequestCount(stack.products.url)) - servedBefore).toBe(1);
    expect(await workersServing(router, ids)).toEqual(new Set([1, 2]));

    // After the first entry's end, both workers serve the refreshed one.
    await sleepUntil(stored + TTL_SECONDS * 1000 + 500);
    for (const result of await Promise.all(Array.from({ length: 4 }, () => read()))) {
      expect(result).toMatchObject({ cache: "HIT", json: { data: expected } });
      expect(result.age).toBeLessThan(3);
    }
    expect((await graphqlRequestCount(stack.products.url)) - servedBefore).toBe(1);
  });
});
