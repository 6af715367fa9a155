import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, startRouter } from "@supergraph/router";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ShapesSupergraph, startShapes } from "../federation-shapes.ts";
import { testEnv, untilHit } from "../harness.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

// The response cache changes no answer: every operation below is answered by a router with the cache on
// exactly as by one with it off, cold and as a hit, over subgraphs in federation's harder shapes, whether
// they report cache tags or not. Regression: the cache used to add `__cacheTypename`/`__cacheId` to every
// selection set, which made some of these operations a 500 or a wrong (and then cached) answer.

const stores = (await redisAvailable()) ? (["memory", "redis"] as const) : (["memory"] as const);

type Router = Awaited<ReturnType<typeof startRouter>>;
const openRouter = (env: Record<string, string>) =>
  startRouter(loadConfig(testEnv({ PORT: "0", QUERY_PLAN_WARMUP: "false", ...env })));

interface Answer {
  status: number;
  cache: string | null;
  body: unknown;
}
async function ask(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, cache: response.headers.get("x-cache"), body: await response.json() };
}

const OPERATIONS: Array<[string, string]> = [
  [
    "an interface whose implementations are entities of different subgraphs, only __typename",
    `{ a: node(id: "m1") { __typename } b: node(id: "1") { __typename } }`,
  ],
  [
    "the same interface, a list, with a field of the other subgraph",
    `{ nodes { __typename id ... on Movie { director } ... on Book { title } } }`,
  ],
  ["an @interfaceObject", `{ topMedia { __typename id title reviews } }`],
  ["an @interfaceObject, only __typename and its own field", `{ topMedia { __typename reviews } }`],
  ["an entity whose id is null in one subgraph, not selected", `{ book(upc: "b3") { upc author { name } } }`],
  [
    "aliases named like anything a cache might add",
    `{ __cacheId: book(upc: "b1") { __cacheTypename: title id: upc __typename: __typename } __typename }`,
  ],
  [
    "aliases that swap fields",
    `{ b: book(upc: "b2") { title: upc upc: title } m: node(id: "m2") { id: __typename __typename } }`,
  ],
  ["a fragment on an entity", `query { books { ...B } } fragment B on Book { upc title author { name } }`],
];

describe.each(stores)("the response cache over federation's harder shapes (%s store)", (kind) => {
  describe.each([true, false])("subgraphs reporting cache tags: %s", (reportTags) => {
    let shapes: ShapesSupergraph;
    let cached: Router;
    let uncached: Router;
    const prefix = uniquePrefix(`shapes-${kind}`);
    const storeEnv: Record<string, string> =
      kind === "redis" ? { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix } : {};

    beforeAll(async () => {
      shapes = await startShapes({ reportTags });
      [cached, uncached] = await Promise.all([
        openRouter({ SUPERGRAPH_PATH: shapes.supergraphPath, ...storeEnv }),
        openRouter({ SUPERGRAPH_PATH: shapes.supergraphPath, RESPONSE_CACHE: "false" }),
      ]);
    });
    afterAll(async () => {
      await cached?.close();
      await uncached?.close();
      await shapes?.close();
      if (kind === "redis") await deleteKeys(prefix);
    });

    it.each(OPERATIONS)("answers %s as with the cache off, cold and as a hit", async (_, query) => {
      const expected = await ask(uncached.url, query);
      expect(expected.status).toBe(200);
      const cold = await ask(cached.url, query);
      expect({ status: cold.status, body: cold.body }).toEqual({ status: expected.status, body: expected.body });
      expect(await untilHit(async () => (await ask(cached.url, query)).cache)).toBe("HIT");
      const hit = await ask(cached.url, query);
      expect(hit.cache).toBe("HIT");
      expect({ status: hit.status, body: hit.body }).toEqual({ status: expected.status, body: expected.body });
    });

    it("answers the null-key entity as the subgraphs do: its fields, the null author, never a nulled book", async () => {
      expect((await ask(cached.url, `{ book(upc: "b3") { upc author { name } } }`)).body).toEqual({
        data: { book: { upc: "b3", author: null } },
      });
    });

    it("purges what each subgraph's mutation changed, whatever aliases the cached query used: the next read is fresh", async () => {
      const reads: Array<[string, string, () => Promise<unknown>, (value: string) => unknown]> = [
        [
          `{ __cacheId: book(upc: "b1") { t: title __cacheTypename: upc } }`,
          "title",
          () => ask(cached.url, `mutation { renameBook(upc: "b1", title: "Dune ${reportTags}${kind}") { upc } }`),
          (value) => ({ __cacheId: { t: value, __cacheTypename: "b1" } }),
        ],
        [
          `{ shelf { count } }`,
          "count",
          () => ask(cached.url, `mutation { addBook(upc: "new-${reportTags}${kind}", title: "New") { upc } }`),
          () => ({ shelf: { count: expect.any(Number) } }),
        ],
        [
          `{ nodes { ... on Movie { id director } } }`,
          "director",
          () => ask(cached.url, `mutation { setDirector(id: "m1", director: "Chantal ${reportTags}${kind}") { id } }`),
          (value) => expect.objectContaining({ nodes: expect.arrayContaining([{ id: "m1", director: value }]) }),
        ],
        [
          `{ topMedia { id reviews } }`,
          "review",
          () => ask(cached.url, `mutation { addReview(id: "s2", text: "fresh ${reportTags}${kind}") { id } }`),
          (value) =>
            expect.objectContaining({
              topMedia: expect.arrayContaining([{ id: "s2", reviews: expect.arrayContaining([value]) }]),
            }),
        ],
      ];
      for (const [query, what, change, expected] of reads) {
        await ask(cached.url, query);
        expect(await untilHit(async () => (await ask(cached.url, query)).cache), what).toBe("HIT");
        await change();
        const after = await ask(cached.url, query);
        expect(after.cache, what).toBe("MISS");
        const value =
          what === "title"
            ? `Dune ${reportTags}${kind}`
            : what === "director"
              ? `Chantal ${reportTags}${kind}`
              : `fresh ${reportTags}${kind}`;
        expect((after.body as { data: unknown }).data, what).toEqual(expected(value));
        expect(after.body).toEqual(await ask(uncached.url, query).then((answer) => answer.body));
      }
    });
  });

  it("never serves an entry made under another schema: after a reload that removes a field, its query is refused, never a hit", async () => {
    const shapes = await startShapes({ reportTags: true });
    const file = join(mkdtempSync(join(tmpdir(), "shapes-reload-")), "supergraph.graphql");
    copyFileSync(shapes.supergraphPath, file);
    const prefix = uniquePrefix(`shapes-reload-${kind}`);
    const router = await openRouter({
      SUPERGRAPH_PATH: file,
      WATCH_SUPERGRAPH: "true",
      ...(kind === "redis" ? { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix } : {}),
    });
    try {
      const query = `{ nodes { ... on Movie { director } } }`;
      await ask(router.url, query);
      expect(await untilHit(async () => (await ask(router.url, query)).cache)).toBe("HIT");
      copyFileSync(shapes.reducedSupergraphPath, file);
      // Reloaded once a query of the removed field that was never cached is refused.
      const probe = `{ probe: nodes { ... on Movie { director } } }`;
      for (let attempt = 0; attempt < 50 && (await ask(router.url, probe)).status !== 400; attempt++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const answer = await ask(router.url, query);
      expect(answer.cache).not.toBe("HIT");
      expect(answer.status).toBe(400);
      expect((answer.body as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe(
        "GRAPHQL_VALIDATION_FAILED",
      );
    } finally {
      await router.close();
      await shapes.close();
      if (kind === "redis") await deleteKeys(prefix);
    }
  });

  it.runIf(kind === "redis")(
    "never shares entries between routers serving different supergraphs through one Redis and prefix",
    async () => {
      const shapes = await startShapes({ reportTags: true });
      const prefix = uniquePrefix("shapes-two");
      const env = { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix };
      const [full, reduced] = await Promise.all([
        openRouter({ SUPERGRAPH_PATH: shapes.supergraphPath, ...env }),
        openRouter({ SUPERGRAPH_PATH: shapes.reducedSupergraphPath, ...env }),
      ]);
      try {
        const query = `{ book(upc: "b2") { title } }`;
        await ask(full.url, query);
        expect(await untilHit(async () => (await ask(full.url, query)).cache)).toBe("HIT");
        expect((await ask(reduced.url, query)).cache).toBe("MISS");
        // Each then serves its own entry.
        expect(await untilHit(async () => (await ask(reduced.url, query)).cache)).toBe("HIT");
      } finally {
        await full.close();
        await reduced.close();
        await shapes.close();
        await deleteKeys(prefix);
      }
    },
  );
});
