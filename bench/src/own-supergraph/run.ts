import { cpuSeconds, load, nodePid, peakRssMB } from "../processes.ts";
import type { RunSettings } from "../public-shape/run.ts";
import { type BenchResult, loadFigures } from "../report.ts";
import { adminToken, bestDatabase, type DatabaseKind, gql, metric, startOwnSupergraph } from "./stack.ts";

// Scenario B: our own four subgraphs and router, on real PostgreSQL (when one answers) and on the
// embedded default, under a read-heavy mix: product lists, a product with its posts, `me` with orders,
// and an occasional placeOrder.

const BUYERS = 50;

async function runOn(kind: DatabaseKind, settings: RunSettings): Promise<BenchResult> {
  const stack = await startOwnSupergraph(kind);
  const { url, internalUrl } = stack;
  try {
    // The demo data, with stock raised so occasional orders never run out during the run.
    const customer = (
      await gql(url, `mutation { logIn(email: "customer@example.com", password: "customer-password") { token } }`)
    ).logIn as { token: string };
    const admin = await adminToken(url);
    const page = (await gql(url, `{ products(first: 50) { edges { node { id } } } }`)).products as {
      edges: Array<{ node: { id: string } }>;
    };
    const ids = page.edges.map((edge) => edge.node.id);
    for (const id of ids)
      await gql(url, `mutation($id: ID!) { updateProduct(id: $id, input: { stock: 1000000 }) { id } }`, { id }, admin);

    const auth = { authorization: `Bearer ${customer.token}` };
    // Orders come from many buyers, as a shop's do (one buyer's are placed one at a time, at most 5 in flight).
    const buyers: string[] = [];
    // One after another: the users service hashes a few passwords at once and refuses a crowd.
    for (let n = 0; n < BUYERS; n++) {
      const signedUp = await gql(url, `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
        input: { email: `bench-buyer-${n}@example.com`, password: "bench-password", name: `Buyer ${n}` },
      });
      buyers.push((signedUp.signUp as { token: string }).token);
    }
    const requests = [
      {
        weight: 50,
        body: JSON.stringify({
          query: `query List { products(first: 10) { totalCount edges { node { id name priceCents stock } } } }`,
        }),
      },
      ...ids.slice(0, 8).map((id) => ({
        weight: 25 / 8,
        body: JSON.stringify({
          query: `query ProductPage($id: ID!) { product(id: $id) { name priceCents posts { title author { name } } } }`,
          variables: { id },
        }),
      })),
      {
        weight: 20,
        headers: auth,
        body: JSON.stringify({
          query: `query MyOrders { me { name orders { totalCents items { quantity product { name } } } } }`,
        }),
      },
      ...buyers.map((token) => ({
        weight: 5 / BUYERS,
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `mutation Buy($input: PlaceOrderInput!) { placeOrder(input: $input) { id totalCents } }`,
          variables: { input: { items: [{ productId: ids[0], quantity: 1 }] } },
        }),
      })),
    ];

    const subgraphUrls = stack.subgraphUrls;
    const sql = async () =>
      (
        await Promise.all(subgraphUrls.map((subgraphUrl) => metric(subgraphUrl, "db_query_duration_seconds_count")))
      ).reduce((a, b) => a + b, 0);
    const pid = nodePid(stack.router);
    const sqlBefore = await sql();
    const hitsBefore = await metric(internalUrl, "response_cache_requests_total", 'result="hit"');
    const missesBefore = await metric(internalUrl, "response_cache_requests_total", 'result="miss"');
    const cpuBefore = cpuSeconds(pid);
    const result = await load({
      url,
      requests,
      connections: settings.connections,
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.seconds,
    });
    const cpu = cpuSeconds(pid) - cpuBefore;
    const total = (result.requests / settings.seconds) * (settings.seconds + settings.warmupSeconds);
    const hits = (await metric(internalUrl, "response_cache_requests_total", 'result="hit"')) - hitsBefore;
    const misses = (await metric(internalUrl, "response_cache_requests_total", 'result="miss"')) - missesBefore;
    console.log(
      `  router (own supergraph, ${kind}): ${result.rps} req/s, p99 ${result.p99} ms, errors ${result.errors}`,
    );
    return {
      name: `router on ${kind === "postgres" ? "PostgreSQL" : "embedded Postgres (PGlite)"}`,
      scenario:
        "B: our supergraph, read-heavy mix (50% product list, 25% product page, 20% me+orders, 5% placeOrder by 50 buyers)",
      connections: settings.connections,
      ...loadFigures(result),
      cpuPer1k: Math.round((cpu / total) * 1000 * 1000) / 1000,
      rssMB: peakRssMB(pid),
      fetchesPerOp: null,
      cacheHitRate: hits + misses > 0 ? hits / (hits + misses) : null,
      sqlPerOp: Math.round((((await sql()) - sqlBefore) / total) * 100) / 100,
      note: result.errorSample
        ? `first error: ${result.errorSample}`
        : "response cache on (in memory), every plugin on; subgraphs in development mode (migrated and seeded)",
    };
  } finally {
    await stack.close();
  }
}

export async function runOwnSupergraph(settings: RunSettings): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  if ((await bestDatabase()) === "postgres") results.push(await runOn("postgres", settings));
  results.push(await runOn("embedded", settings));
  return results;
}
