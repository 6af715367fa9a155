// The subscription benchmark's clients, run as their own process on the other core than the router: N
// graphql-ws subscribers, one WebSocket connection each (as N browser tabs would), and one admin changing
// the product's price through the router. Both in one process, so that a mutation's response and each
// delivery are timed on the same monotonic clock; an event is known by the price its mutation set.
//   tsx clients.ts '<json options>'   → prints "measuring" when the measured window opens, then one JSON line
import { performance } from "node:perf_hooks";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export interface SubscriptionClientOptions {
  /** The router's `/graphql` (http:); subscribers use the same path over ws:. */
  url: string;
  /** An admin's token, for `updateProduct`. */
  token: string;
  productId: string;
  /** A `productUpdated(id: $id)` subscription whose selection includes `priceCents`. */
  query: string;
  subscribers: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** How long a mutation's events may take before the next mutation is sent anyway (the missing ones count as lost); 5,000. */
  deliveryTimeoutMs?: number;
}

export interface SubscriptionClientResult {
  subscribers: number;
  mutations: number;
  seconds: number;
  /** Events received in the measured window, over all subscribers (each subscriber's copy counts). */
  delivered: number;
  /** Subscribers × mutations: one event each per mutation. */
  expected: number;
  /** Milliseconds from the mutation's response to each delivery (negative: delivered before the response). */
  p50: number;
  p99: number;
  max: number;
  /** Deliveries that arrived before their mutation's response reached the client. */
  beforeResponse: number;
  /** Mutations whose events did not all arrive within `deliveryTimeoutMs`. */
  timeouts: number;
  /** Subscriptions that ended or failed, and mutations that failed, from warm-up to the end. */
  errors: number;
  errorSample?: string;
}

/** Connections opened at once: more would overflow the router's listen backlog and stall on SYN retries. */
const CONNECT_BATCH = 50;

const UPDATE = `mutation Price($id: ID!, $price: Int!) { updateProduct(id: $id, input: { priceCents: $price }) { id } }`;

export async function runSubscriptionClients(
  options: SubscriptionClientOptions,
  onMeasuring: () => void = () => {},
): Promise<SubscriptionClientResult> {
  const n = options.subscribers;
  const wsUrl = options.url.replace(/^http/, "ws");
  let errors = 0;
  let errorSample: string | undefined;
  const fail = (what: string) => {
    errors++;
    errorSample ??= what.slice(0, 300);
  };

  // Per price: when each delivery arrived. `waiting` is the mutation whose events we wait for.
  const arrivals = new Map<number, number[]>();
  const lastPrice = new Array<number | undefined>(n);
  let waiting: { price: number; done: () => void } | undefined;
  const onEvent = (index: number, price: number) => {
    const at = performance.now();
    // A subscriber sees each price once; a second copy would be a duplicate, not a delivery.
    if (lastPrice[index] === price) return;
    lastPrice[index] = price;
    const times = arrivals.get(price) ?? [];
    times.push(at);
    arrivals.set(price, times);
    if (waiting?.price === price && times.length === n) waiting.done();
  };

  const clients: Client[] = [];
  for (let first = 0; first < n; first += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, n - first) }, (_, offset) => first + offset);
    await Promise.all(
      batch.map(
        (index) =>
          new Promise<void>((resolve, reject) => {
            const client = createClient({
              url: wsUrl,
              webSocketImpl: WebSocket,
              retryAttempts: 0,
              on: { connected: () => resolve(), closed: (event) => reject(new Error(`closed: ${String(event)}`)) },
            });
            clients.push(client);
            client.subscribe<{ productUpdated: { priceCents: number } }>(
              { query: options.query, variables: { id: options.productId } },
              {
                next: (result) => {
                  if (result.errors) fail(JSON.stringify(result.errors));
                  const price = result.data?.productUpdated.priceCents;
                  if (price !== undefined) onEvent(index, price);
                },
                error: (error) =>
                  fail(`subscription ${index}: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
                complete: () => fail(`subscription ${index} completed`),
              },
            );
          }),
      ),
    );
  }

  let price = 100_000 + Math.floor(Math.random() * 1_000_000);
  /** One mutation: resolves with the time its response arrived. */
  const mutate = async (value: number): Promise<number> => {
    const response = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query: UPDATE, variables: { id: options.productId, price: value } }),
    });
    const body = (await response.json()) as { errors?: unknown };
    const at = performance.now();
    if (body.errors) fail(`updateProduct: ${JSON.stringify(body.errors)}`);
    return at;
  };
  /** Sends the next price and waits for every subscriber's event of it, or the timeout. */
  const step = async () => {
    const value = ++price;
    const delivered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.deliveryTimeoutMs ?? 5_000);
      waiting = {
        price: value,
        done: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
    });
    const respondedAt = await mutate(value);
    return { value, respondedAt, complete: await delivered };
  };

  // Live: a subscription is live once its subgraph has subscribed, so publish until every subscriber got one.
  const liveBy = performance.now() + 120_000;
  while (lastPrice.includes(undefined)) {
    if (performance.now() > liveBy || errors > 0)
      throw new Error(
        `${lastPrice.filter((seen) => seen === undefined).length} of ${n} subscribers not live: ${errorSample ?? "no event within 120 s"}`,
      );
    await mutate(++price);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const warmupEnd = performance.now() + options.warmupSeconds * 1000;
  while (performance.now() < warmupEnd) await step();

  onMeasuring();
  const latencies: number[] = [];
  let mutations = 0;
  let timeouts = 0;
  const started = performance.now();
  const end = started + options.durationSeconds * 1000;
  while (performance.now() < end) {
    const { value, respondedAt, complete } = await step();
    mutations++;
    if (!complete) timeouts++;
    for (const at of arrivals.get(value) ?? []) latencies.push(at - respondedAt);
  }
  const seconds = (performance.now() - started) / 1000;

  latencies.sort((a, b) => a - b);
  const at = (quantile: number) =>
    latencies.length ? Math.round((latencies[Math.ceil(quantile * latencies.length) - 1] ?? 0) * 100) / 100 : 0;
  const result = {
    subscribers: n,
    mutations,
    seconds,
    delivered: latencies.length,
    expected: n * mutations,
    p50: at(0.5),
    p99: at(0.99),
    max: at(1),
    beforeResponse: latencies.filter((latency) => latency < 0).length,
    timeouts,
    errors,
    errorSample,
  };
  // After the counts: closing is not an error.
  for (const client of clients) void client.dispose();
  return result;
}

if (process.argv[1]?.endsWith("clients.ts")) {
  const options = JSON.parse(process.argv[2] ?? "{}") as SubscriptionClientOptions;
  console.log(JSON.stringify(await runSubscriptionClients(options, () => console.log("measuring"))));
  process.exit(0);
}
