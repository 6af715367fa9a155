import { join } from "node:path";
import { adminToken, bestDatabase, gql, metric, startOwnSupergraph } from "../own-supergraph/stack.ts";
import { cpuSeconds, nodePid, peakRssMB, spawnPinned, stop, waitFor } from "../processes.ts";
import type { SubscriptionResult } from "../report.ts";
import type { SubscriptionClientOptions, SubscriptionClientResult } from "./clients.ts";

// The subscriptions scenario (#28): N graphql-ws subscribers on one product's `productUpdated`, whose
// selection needs a second subgraph (posts), and an admin changing its price through the router, one
// change at a time: the next when every subscriber has the last, or after a timeout (clients.ts). A new
// supergraph per N, so each row's router CPU and peak RSS are its own.

export interface SubscriptionSettings {
  subscribers: number[];
  seconds: number;
  warmupSeconds: number;
}

const SUBSCRIPTION = `subscription Watch($id: ID!) { productUpdated(id: $id) { id name priceCents stock posts { title } } }`;

async function runWith(subscribers: number, settings: SubscriptionSettings): Promise<SubscriptionResult> {
  const kind = await bestDatabase();
  // Every subscriber is anonymous, from one address, on a connection of its own: one client to the
  // router's per-client limits.
  const stack = await startOwnSupergraph(kind, {
    SUBSCRIPTIONS_PER_CLIENT: String(Math.max(subscribers, 20)),
    SUBSCRIPTION_CONNECTIONS_PER_ADDRESS: String(Math.max(subscribers, 100)),
  });
  // Read as a log shipper would, so that lines do not pile up in the router's buffer.
  stack.router.stdout?.resume();
  try {
    const token = await adminToken(stack.url);
    // The seeded product with the most posts, so each event's completion fetches some.
    const page = (await gql(stack.url, `{ products(first: 50) { edges { node { id posts { title } } } } }`))
      .products as { edges: Array<{ node: { id: string; posts: unknown[] | null } }> };
    const [product] = page.edges
      .map((edge) => edge.node)
      .sort((a, b) => (b.posts?.length ?? 0) - (a.posts?.length ?? 0));
    if (!product) throw new Error("no seeded product");
    const options: SubscriptionClientOptions = {
      url: stack.url,
      token,
      productId: product.id,
      query: SUBSCRIPTION,
      subscribers,
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.seconds,
    };
    const pid = nodePid(stack.router);
    const idleRssMB = peakRssMB(pid);
    const clients = spawnPinned(
      "others",
      ["--import", "tsx", join(import.meta.dirname, "clients.ts"), JSON.stringify(options)],
      {},
    );
    try {
      // Connecting and the first events take a while at 1,000 subscribers on a shared core.
      const budget = (settings.warmupSeconds + settings.seconds) * 1000 + 300_000;
      const measuring = waitFor(clients, /^measuring$/m, "subscription clients", budget);
      const resultLine = waitFor(clients, /^\{.*\}$/m, "subscription clients", budget);
      // Awaited below; if the clients fail before measuring, `measuring` reports it and this one must not crash us.
      resultLine.catch(() => {});
      await measuring;
      // The router's CPU, and that of everything on the other core: the subgraphs and these clients.
      const others = { ...stack.subgraphPids, clients: nodePid(clients) };
      const cpuBefore = cpuSeconds(pid);
      const othersBefore = Object.values(others).map(cpuSeconds);
      const sql = async () =>
        (await Promise.all(stack.subgraphUrls.map((url) => metric(url, "db_query_duration_seconds_count")))).reduce(
          (a, b) => a + b,
          0,
        );
      const sqlBefore = await sql();
      const [line] = await resultLine;
      const cpu = cpuSeconds(pid) - cpuBefore;
      const othersCpu = Object.values(others).map((other, index) => cpuSeconds(other) - (othersBefore[index] ?? 0));
      const statements = (await sql()) - sqlBefore;
      const result = JSON.parse(line) as SubscriptionClientResult;
      const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
      console.log(
        `  router, ${subscribers} subscribers: ${round(result.delivered / result.seconds)} events/s, p99 ${result.p99} ms, lost ${result.expected - result.delivered}`,
      );
      return {
        subscribers,
        connections: subscribers,
        seconds: round(result.seconds),
        mutations: result.mutations,
        mutationsPerSecond: round(result.mutations / result.seconds),
        eventsPerSecond: round(result.delivered / result.seconds),
        p50: result.p50,
        p99: result.p99,
        max: result.max,
        delivered: result.delivered,
        lost: result.expected - result.delivered,
        beforeResponse: result.beforeResponse,
        errors: result.errors,
        routerCpuPercent: round((cpu / result.seconds) * 100, 0),
        othersCpuPercent: Object.fromEntries(
          Object.keys(others).map((name, index) => [name, round(((othersCpu[index] ?? 0) / result.seconds) * 100, 0)]),
        ),
        cpuMsPer1kEvents: result.delivered ? round((cpu * 1000 * 1000) / result.delivered, 1) : null,
        sqlPerEvent: result.delivered ? round(statements / result.delivered, 2) : null,
        idleRssMB,
        rssMB: peakRssMB(pid),
        database: kind === "postgres" ? "PostgreSQL" : "embedded Postgres (PGlite)",
        note: result.errorSample ? `first error: ${result.errorSample}` : undefined,
      };
    } finally {
      await stop(clients);
    }
  } finally {
    await stack.close();
  }
}

export async function runSubscriptions(settings: SubscriptionSettings): Promise<SubscriptionResult[]> {
  const results: SubscriptionResult[] = [];
  for (const subscribers of settings.subscribers) results.push(await runWith(subscribers, settings));
  return results;
}
