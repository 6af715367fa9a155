import { loadConfig, startRouter } from "@supergraph/router";
import { type Client, createClient } from "graphql-ws";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { capturingLogger, testEnv } from "../harness.ts";
import { type LiveSupergraph, startLive } from "../live-subgraphs.ts";

// A subscription's life beyond its events: at shutdown, and with a client that falls behind (across
// replicas: replicas.test.ts).

type Router = Awaited<ReturnType<typeof startRouter>>;
const openRouter = (
  supergraphPath: string,
  env: Record<string, string> = {},
  logger?: Parameters<typeof startRouter>[1],
) =>
  startRouter(
    loadConfig(testEnv({ PORT: "0", SUPERGRAPH_PATH: supergraphPath, QUERY_PLAN_WARMUP: "false", ...env })),
    logger,
  );

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

function subscriber(router: Router): Client {
  const client = createClient({ url: router.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
  cleanup.push(async () => client.dispose());
  return client;
}

/** Publishes until `until` holds (a subscription is live only once its subgraph has subscribed). */
async function publishUntil(publish: () => void, until: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !until(); attempt++) {
    publish();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(until()).toBe(true);
}

describe("subscriptions at the router's edges", () => {
  let live: LiveSupergraph;
  const liveOnce = async () => {
    live ??= await startLive();
    return live;
  };
  afterAll(async () => {
    await live?.close();
  });

  it("ends every live subscription with a reason when the router shuts down, over WebSocket and multipart", async () => {
    const ticks = await liveOnce();
    const router = await openRouter(ticks.supergraphPath);
    const received: Array<{ errors?: Array<{ extensions?: Record<string, unknown> }> }> = [];
    let ended = false;
    const events = subscriber(router).iterate({ query: "subscription { ticks { n } }" });
    const done = (async () => {
      for await (const result of events) received.push(result as never);
      ended = true;
    })();
    const response = await fetch(router.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: 'multipart/mixed;subscriptionSpec="1.0",application/json',
      },
      body: JSON.stringify({ query: "subscription { ticks { n } }" }),
    });
    const body = response.text();
    await publishUntil(
      () => ticks.publish({ n: 1, item: { id: "a" } }),
      () => received.length > 0,
    );
    await router.close();
    await done;
    expect(ended).toBe(true);
    expect(received.at(-1)?.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "shutdown" });
    const text = await body;
    expect(text).toContain('"reason":"shutdown"');
    expect(text.endsWith("\r\n--graphql--\r\n")).toBe(true);
  });

  it("ends a subscription whose events pile up faster than they are delivered, and counts it", async () => {
    const ticks = await liveOnce();
    const router = await openRouter(ticks.supergraphPath, { SUBSCRIPTION_MAX_BACKLOG: "3" });
    cleanup.push(() => router.close());
    const received: Array<{ errors?: Array<{ extensions?: Record<string, unknown> }> }> = [];
    const events = subscriber(router).iterate({ query: "subscription { ticks { n item { name } } }" });
    const done = (async () => {
      for await (const result of events) received.push(result as never);
    })();
    await publishUntil(
      () => ticks.publish({ n: 1, item: { id: "slow" } }),
      () => received.length > 0,
    );
    // Each event takes ~300 ms to complete: twenty at once overflow the backlog of three.
    for (let n = 0; n < 20; n++) ticks.publish({ n, item: { id: "slow" } });
    await done;
    expect(received.at(-1)?.errors?.[0]?.extensions).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      reason: "slow_consumer",
    });
    const metrics = await (await fetch(`${router.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(/subscriptions_ended_total\{reason="slow"[^}]*\} 1/);
    expect(metrics).toMatch(/subscriptions_active(\{[^}]*\})? 0/);
  }, 20_000);

  it("logs a subscription's start and its end (request id, subgraph, events delivered, duration, why it ended), and gives back what a client ended at once", async () => {
    const ticks = await liveOnce();
    const { logger, lines } = capturingLogger("router", "info");
    const router = await openRouter(ticks.supergraphPath, {}, logger);
    cleanup.push(() => router.close());
    const received: unknown[] = [];
    const events = subscriber(router).iterate({ query: "subscription Watch { ticks { n item { name } } }" });
    const done = (async () => {
      for await (const result of events) {
        received.push(result);
        break; // the client ends it after its first event
      }
    })();
    await publishUntil(
      () => ticks.publish({ n: 1, item: { id: "logged" } }),
      () => received.length > 0,
    );
    await done;
    const logged = async (message: string) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const line = lines.map((text) => JSON.parse(text)).find((entry) => entry.msg === message);
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no "${message}" line in ${lines.join("")}`);
    };
    const started = await logged("subscription started");
    expect(started).toMatchObject({ operation: "Watch", subgraph: "ticks", reqId: expect.any(String) });
    const ended = await logged("subscription ended");
    expect(ended).toMatchObject({
      reqId: started.reqId,
      operation: "Watch",
      subgraph: "ticks",
      events: 1,
      reason: "client",
      ms: expect.any(Number),
    });
    // Ended by the client while it waited for the next event: given back at once, not at the next event.
    const metrics = await (await fetch(`${router.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(/subscriptions_active(\{[^}]*\})? 0/);
  });
});
