import { afterAll, beforeAll, expect, it } from "vitest";
import { createProduct, type Stack, signUpAdmin, startStack } from "../harness.ts";

// #26: 60 s of unique queries drove the router past its 1 GiB memory limit. Every document, plan and
// response was kept in caches bounded by entry count or by a quarter of their weight. Each cache now
// has a byte budget; this floods the real router with queries it has never seen and reads the caches'
// sizes from its /metrics (internal port), budgets set small so that a few hundred queries fill them.
const KiB = 1024;
const budgets = {
  documents: 256 * KiB,
  query_plans: 64 * KiB,
  response_store: 32 * KiB,
  response_copies: 32 * KiB,
};
const QUERIES = 240;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    routerEnv: {
      DOCUMENT_CACHE_MAX_BYTES: String(budgets.documents),
      QUERY_PLAN_CACHE_MAX_BYTES: String(budgets.query_plans),
      RESPONSE_CACHE_MEMORY_MAX_BYTES: String(budgets.response_store),
      RESPONSE_CACHE_LOCAL_MAX_BYTES: String(budgets.response_copies),
      RATE_LIMIT_PER_MINUTE: "100000",
    },
  });
  const admin = await signUpAdmin(stack);
  for (const name of ["Kettle", "Teapot", "Mug"]) await createProduct(stack, admin, { name });
});
afterAll(() => stack?.close());

/** `series{…cache="name"…}` for every cache, from the router's internal /metrics. */
async function cacheGauge(series: string): Promise<Record<string, number>> {
  const response = await fetch(new URL("/metrics", stack.routerInternalUrl));
  expect(response.status).toBe(200);
  const values: Record<string, number> = {};
  for (const line of (await response.text()).split("\n")) {
    const match = new RegExp(`^${series}\\{[^}]*cache="([a-z_]+)"[^}]*\\} (\\S+)$`).exec(line);
    if (match) values[match[1] as string] = Number(match[2]);
  }
  return values;
}

it("keeps every cache within its byte budget under a flood of distinct queries", async () => {
  // Each a new document, plan and response: its own operation name and alias.
  const query = (index: number) =>
    `query Flood${index} { alias${index}: products(first: 3) { totalCount edges { node { id name priceCents stock } } } }`;
  for (let start = 0; start < QUERIES; start += 8) {
    const results = await Promise.all(Array.from({ length: 8 }, (_, offset) => stack.gql(query(start + offset))));
    for (const [offset, result] of results.entries()) {
      expect(result.errors).toBeUndefined();
      expect(result.data?.[`alias${start + offset}`]).toMatchObject({ totalCount: expect.any(Number) });
    }
  }

  const [size, max, entries] = await Promise.all([
    cacheGauge("cache_size_bytes"),
    cacheGauge("cache_max_bytes"),
    cacheGauge("cache_entries"),
  ]);
  expect(max).toMatchObject(budgets);
  expect(Object.keys(size).sort()).toEqual([
    "documents",
    "query_plans",
    "response_cache_tags",
    "response_copies",
    "response_store",
    "revocations",
  ]);
  for (const [cache, bytes] of Object.entries(size))
    expect(bytes, `${cache}: ${JSON.stringify({ size, entries })}`).toBeLessThanOrEqual(max[cache] as number);
  // Full, and evicting: the flood weighed more than each budget (otherwise this would prove nothing).
  for (const cache of Object.keys(budgets)) {
    expect(size[cache], cache).toBeGreaterThan((max[cache] as number) / 2);
    expect(entries[cache], `${cache}: ${JSON.stringify({ size, entries })}`).toBeLessThan(QUERIES);
  }
});
