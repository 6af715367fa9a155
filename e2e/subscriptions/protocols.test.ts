import { signUserToken } from "@supergraph/kit/runtime";
import { loadConfig, startRouter } from "@supergraph/router";
import { createClient as createSseClient } from "graphql-sse";
import { type Client, createClient as createWsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { testEnv } from "../harness.ts";
import { type LiveSupergraph, startLive } from "../live-subgraphs.ts";

// Subscriptions through the real router, over each protocol clients use, with the event's fields
// completed from another subgraph: GraphQL over WebSocket, GraphQL over SSE, Apollo's multipart HTTP.

type Router = Awaited<ReturnType<typeof startRouter>>;
let live: LiveSupergraph;
let router: Router;
let wsUrl: string;
const jwt = loadConfig(testEnv()).jwt;
const tokenFor = (userId: string, expiresInSeconds = 900) =>
  `Bearer ${signUserToken({ userId, role: "CUSTOMER" }, { ...jwt, expiresInSeconds })}`;
let tick = 0;
const item = () => ({ id: `i${tick}` });

/** A router on the live test subgraphs, with these settings. */
const routerWith = (env: Record<string, string>) =>
  startRouter(
    loadConfig(testEnv({ PORT: "0", SUPERGRAPH_PATH: live.supergraphPath, QUERY_PLAN_WARMUP: "false", ...env })),
  );

beforeAll(async () => {
  live = await startLive();
  router = await routerWith({
    SUBSCRIPTIONS_PER_CONNECTION: "2",
    SUBSCRIPTIONS_PER_CLIENT: "3",
    CORS_ORIGINS: "https://shop.example",
  });
  wsUrl = router.url.replace(/^http/, "ws");
});
afterAll(async () => {
  await router?.close();
  await live?.close();
});

const clients: Client[] = [];
afterAll(async () => {
  for (const client of clients) await client.dispose();
});
/** A WebSocket client of the main router, or of `to`. */
function wsClient(connectionParams: Record<string, unknown> = {}, to?: Router): Client {
  const client = createWsClient({
    url: to ? to.url.replace(/^http/, "ws") : wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  clients.push(client);
  return client;
}

/** A subscription POSTed as an event stream, to the main router or to `to`. */
const postStream = (body: unknown, options: { to?: Router; authorization?: string } = {}) =>
  fetch((options.to ?? router).url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...(options.authorization ? { authorization: options.authorization } : {}),
    },
    body: JSON.stringify(body),
  });

/** Publishes ticks until the first result arrives (a subscription is live once its subgraph subscribed). */
async function firstResult<T>(next: Promise<IteratorResult<T>>, publish: () => void): Promise<T> {
  let received: IteratorResult<T> | undefined;
  void next.then((result) => {
    received = result;
  });
  for (let attempt = 0; attempt < 100 && !received; attempt++) {
    publish();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (received ?? (await next)).value as T;
}

describe("subscriptions through the router", () => {
  it("over GraphQL over WebSocket: each event, its item completed from the items subgraph", async () => {
    const events = wsClient().iterate({ query: "subscription { ticks { n item { id name } } }" });
    const first = await firstResult(events.next(), () => live.publish({ n: ++tick, item: item() }));
    expect(first).toEqual({
      data: {
        ticks: {
          n: expect.any(Number),
          item: { id: expect.stringMatching(/^i\d+$/), name: expect.stringMatching(/^Item i\d+$/) },
        },
      },
    });
    live.publish({ n: 1000, item: { id: "x" } });
    // Ticks published while waiting for the first may come before it.
    let result: unknown;
    do result = (await events.next()).value;
    while ((result as { data: { ticks: { n: number } } }).data.ticks.n !== 1000);
    expect(result).toEqual({ data: { ticks: { n: 1000, item: { id: "x", name: "Item x" } } } });
    await events.return?.();
  });

  it("over GraphQL over SSE (graphql-sse's client)", async () => {
    const client = createSseClient({ url: router.url, singleConnection: false, retryAttempts: 0 });
    const events = client.iterate({ query: "subscription { ticks { n item { name } } }" });
    const first = await firstResult(events.next(), () => live.publish({ n: ++tick, item: { id: "s" } }));
    expect(first).toEqual({ data: { ticks: { n: expect.any(Number), item: { name: "Item s" } } } });
    await events.return?.();
    client.dispose();
  });

  it("over Apollo's multipart HTTP subscriptions", async () => {
    const controller = new AbortController();
    const response = await fetch(router.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json',
      },
      body: JSON.stringify({ query: "subscription { ticks { n item { name } } }" }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^multipart\/mixed;boundary="graphql";subscriptionSpec="1.0"/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    // As Apollo Client and urql read it: a part once the boundary after it has arrived.
    const payloads = async () => {
      const found: unknown[] = [];
      for (const part of text.split("\r\n--graphql").slice(0, -1)) {
        const json = part.split("\r\n\r\n")[1];
        if (!json || json === "{}") continue;
        found.push(JSON.parse(json));
      }
      return found;
    };
    // One read pending at a time: a read abandoned to the timeout would take its chunk with it.
    let pending: ReturnType<typeof reader.read> | undefined;
    for (let attempt = 0; attempt < 100 && (await payloads()).length === 0; attempt++) {
      live.publish({ n: ++tick, item: { id: "m" } });
      pending ??= reader.read();
      const chunk = await Promise.race([pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), 50))]);
      if (!chunk) continue;
      pending = undefined;
      if (!chunk.done) text += decoder.decode(chunk.value, { stream: true });
    }
    expect((await payloads())[0]).toEqual({
      payload: { data: { ticks: { n: expect.any(Number), item: { name: "Item m" } } } },
    });
    // Regression: each part used to be closed only by the next one's boundary, so Apollo Client got every event
    // at the next event or heartbeat (5 s later). What was read ends with a closed part.
    expect(text.endsWith("\r\n--graphql")).toBe(true);
    controller.abort();
  });

  it("refuses a subscription sent as a plain POST, naming the protocols to use", async () => {
    const response = await fetch(router.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: "subscription { ticks { n } }" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_REQUEST" } }] });
  });

  it("refuses an unknown field, a query over WebSocket and an anonymous private subscription with their codes", async () => {
    const client = wsClient();
    const codeOf = async (query: string) => {
      const events = client.iterate({ query });
      try {
        const result = await events.next();
        return (result.value as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;
      } catch (errors) {
        return (errors as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code;
      }
    };
    expect(await codeOf("subscription { nope }")).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await codeOf("{ lastTick }")).toBe("BAD_REQUEST");
    expect(await codeOf("subscription { myTicks { n } }")).toBe("UNAUTHENTICATED");
  });

  it.each([
    ["a token that is refused", "Bearer not-a-token", "The token is invalid."],
    ["an expired token", "expired", "The token has expired."],
    ["credentials that are not a string", 5, "The authorization must be a string: `Bearer <token>`."],
  ])("closes a connection with %s, with 4403 and why (never read as anonymous)", async (_label, given, reason) => {
    const authorization = given === "expired" ? tokenFor("00000000-0000-4000-8000-000000000001", -60) : given;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      const client = createWsClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {},
        on: { closed: (event) => resolve(event as { code: number; reason: string }) },
      });
      clients.push(client);
    });
    const { code, reason: said } = await closed;
    expect([code, said]).toEqual([4403, reason]);
  });

  it("delivers a viewer's private events to that viewer only", async () => {
    const alice = wsClient({ authorization: tokenFor("alice") }).iterate({
      query: "subscription { myTicks { n owner } }",
    });
    const bob = wsClient({ authorization: tokenFor("bob") }).iterate({ query: "subscription { myTicks { n owner } }" });
    const bobsFirst = bob.next();
    const alicesFirst = await firstResult(alice.next(), () =>
      live.publish({ n: ++tick, owner: "alice", item: item() }),
    );
    expect(alicesFirst).toMatchObject({ data: { myTicks: { owner: "alice" } } });
    const bobsTick = await firstResult(bobsFirst, () => live.publish({ n: ++tick, owner: "bob", item: item() }));
    // Bob's first event is his own, though Alice's were published before it.
    expect(bobsTick).toMatchObject({ data: { myTicks: { owner: "bob" } } });
    await alice.return?.();
    await bob.return?.();
  });

  it("shares one subgraph subscription and one completion among identical subscriptions of one viewer, never across viewers", async () => {
    const gauge = async (name: string) => {
      const metrics = await (await fetch(`${router.internalUrl}/metrics`)).text();
      return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, "m").exec(metrics)?.[1]);
    };
    const query = "subscription { ticks { n item { name } } }";
    // Two anonymous subscribers from one address (on two connections), and a signed-in one.
    const first = wsClient().iterate({ query });
    const second = wsClient().iterate({ query });
    const dave = wsClient({ authorization: tokenFor("dave") }).iterate({ query });
    const [secondsFirst, davesFirst] = [second.next(), dave.next()];
    await firstResult(first.next(), () => live.publish({ n: ++tick, item: item() }));
    await firstResult(secondsFirst, () => live.publish({ n: ++tick, item: item() }));
    await firstResult(davesFirst, () => live.publish({ n: ++tick, item: item() }));
    expect(await gauge("subscriptions_active")).toBe(3);
    expect(await gauge("subscription_upstreams_active")).toBe(2);
    // One event, each subscriber's copy the same.
    live.publish({ n: 5000, item: { id: "shared" } });
    const upTo5000 = async (events: AsyncIterableIterator<unknown>) => {
      let result: unknown;
      do result = (await events.next()).value;
      while ((result as { data: { ticks: { n: number } } }).data.ticks.n !== 5000);
      return result;
    };
    const expected = { data: { ticks: { n: 5000, item: { name: "Item shared" } } } };
    expect(await Promise.all([upTo5000(first), upTo5000(second), upTo5000(dave)])).toEqual([
      expected,
      expected,
      expected,
    ]);
    // The shared one stays open while one member is left, and closes with the last.
    await first.return?.();
    expect(await gauge("subscription_upstreams_active")).toBe(2);
    await second.return?.();
    await dave.return?.();
    for (let attempt = 0; attempt < 50 && (await gauge("subscription_upstreams_active")) > 0; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await gauge("subscription_upstreams_active")).toBe(0);
  });

  it("ends a subscription when its token expires", async () => {
    const events = wsClient({ authorization: tokenFor("carol", 2) }).iterate({ query: "subscription { ticks { n } }" });
    const results: unknown[] = [];
    for await (const result of events) results.push(result);
    expect(results.at(-1)).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
  }, 10_000);

  it("refuses subscriptions past the per-connection limit", async () => {
    const client = wsClient();
    const open = [
      client.iterate({ query: "subscription { ticks { n } }" }),
      client.iterate({ query: "subscription { ticks { n } }" }),
    ];
    await firstResult(open[0]!.next(), () => live.publish({ n: ++tick, item: item() }));
    await firstResult(open[1]!.next(), () => live.publish({ n: ++tick, item: item() }));
    const third = client.iterate({ query: "subscription { ticks { n } }" });
    await expect(third.next()).rejects.toMatchObject([{ extensions: { code: "RATE_LIMITED" } }]);
    for (const events of open) await events.return?.();
  });

  it("refuses subscriptions past the per-client limit, over all of the client's connections", async () => {
    const dave = tokenFor("dave");
    const [one, two] = [wsClient({ authorization: dave }), wsClient({ authorization: dave })];
    const open = [
      one.iterate({ query: "subscription { ticks { n } }" }),
      one.iterate({ query: "subscription { ticks { n } }" }),
      two.iterate({ query: "subscription { ticks { n } }" }),
    ];
    for (const events of open) await firstResult(events.next(), () => live.publish({ n: ++tick, item: item() }));
    const fourth = two.iterate({ query: "subscription { ticks { n } }" });
    await expect(fourth.next()).rejects.toMatchObject([
      { message: expect.stringContaining("per client"), extensions: { code: "RATE_LIMITED" } },
    ]);
    for (const events of open) await events.return?.();
  });

  it("refuses a WebSocket opened by a page from an origin CORS does not admit", async () => {
    const status = (origin: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(wsUrl, "graphql-transport-ws", { origin });
        socket.on("open", () => {
          socket.close();
          resolve(101);
        });
        socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.on("error", () => {});
      });
    expect(await status("https://evil.example")).toBe(403);
    expect(await status("https://shop.example")).toBe(101);
  });

  it("closes a connection that sends a message outside the protocol, with 4400", async () => {
    const socket = new WebSocket(wsUrl, "graphql-transport-ws");
    await new Promise((resolve) => socket.on("open", resolve));
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.send("{ not json");
    expect(await closed).toBe(4400);
  });
});

describe("the router's rate limit", () => {
  let limited: Router;
  beforeAll(async () => {
    limited = await routerWith({ RATE_LIMIT_PER_MINUTE: "2" });
  });
  afterAll(() => limited?.close());

  it("is spent by every subscription a client starts, over WebSocket as by a query", async () => {
    const client = wsClient({ authorization: tokenFor("erin") }, limited);
    const open = [
      client.iterate({ query: "subscription { ticks { n } }" }),
      client.iterate({ query: "subscription { ticks { n } }" }),
    ];
    for (const events of open) await firstResult(events.next(), () => live.publish({ n: ++tick, item: item() }));
    const third = client.iterate({ query: "subscription { ticks { n } }" });
    await expect(third.next()).rejects.toMatchObject([
      { extensions: { code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) } },
    ]);
    for (const events of open) await events.return?.();
  });

  it("shares one budget between queries and subscriptions over HTTP: past it, a stream is refused with 429", async () => {
    const authorization = tokenFor("frank");
    const post = (accept: string, query: string) =>
      fetch(limited.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept, authorization },
        body: JSON.stringify({ query }),
      });
    for (const _ of [1, 2]) expect((await post("application/json", "{ __typename }")).status).toBe(200);
    const refused = await post("text/event-stream", "subscription { ticks { n } }");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "RATE_LIMITED",
    );
  });
});

describe("the cost limit, for subscriptions as for queries", () => {
  let strict: Router;
  beforeAll(async () => {
    strict = await routerWith({ LIMIT_COST: "1" });
  });
  afterAll(() => strict?.close());

  it("refuses a subscription over the limit with its code, over WebSocket and over HTTP", async () => {
    // ticks (an object: 1) + item (another: 1)
    const query = "subscription { ticks { n item { name } } }";
    const client = wsClient({}, strict);
    await expect(client.iterate({ query }).next()).rejects.toMatchObject([
      { message: "Cost limit of 1 exceeded, found 2.", extensions: { code: "COST_LIMIT_EXCEEDED" } },
    ]);
    const response = await postStream({ query }, { to: strict });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "COST_LIMIT_EXCEEDED" } }] });
    const within = client.iterate({ query: "subscription { ticks { n } }" });
    expect(await firstResult(within.next(), () => live.publish({ n: ++tick, item: item() }))).toMatchObject({
      data: { ticks: { n: expect.any(Number) } },
    });
    await within.return?.();
  });

  it("refuses variables it cannot read with 400 BAD_USER_INPUT, over WebSocket and over HTTP", async () => {
    // Costed by what the variables leave in: one it cannot read is refused, never left uncosted.
    const request = {
      query: "subscription S($b: Boolean!) { ticks { n item @include(if: $b) { name } } }",
      variables: { b: "yes" },
    };
    const client = wsClient({}, strict);
    await expect(client.iterate(request).next()).rejects.toMatchObject([
      {
        message: expect.stringContaining('Variable "$b" got invalid value "yes"'),
        extensions: { code: "BAD_USER_INPUT" },
      },
    ]);
    const response = await postStream(request, { to: strict });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_USER_INPUT" } }] });
  });
});

describe("an event stream's refusals, as a query's", () => {
  const errorsOf = async (response: Response) =>
    ((await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] }).errors;

  it("answers parameters that are not one operation's with 400 BAD_REQUEST (a batch, variables that are not a map)", async () => {
    for (const body of [[{ query: "{ __typename }" }], { query: "subscription { ticks { n } }", variables: [1] }]) {
      const response = await postStream(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await errorsOf(response))[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
    }
  });

  it("refuses a forged token with its code, and nothing meant for the router only", async () => {
    const response = await postStream(
      { query: "subscription { ticks { n } }" },
      { authorization: "Bearer forged.token.here" },
    );
    expect(response.status).toBe(401);
    // graphql-sse's client shows it in its error.
    expect(response.statusText).toBe("Unauthorized");
    expect((await errorsOf(response))[0]?.extensions).toEqual({ code: "UNAUTHENTICATED" });
  });
});

describe("WebSocket connections from one address", () => {
  let capped: Router;
  beforeAll(async () => {
    capped = await routerWith({ SUBSCRIPTION_CONNECTIONS_PER_ADDRESS: "2" });
  });
  afterAll(() => capped?.close());

  const open = () =>
    new Promise<{ status: number; socket?: WebSocket }>((resolve) => {
      const socket = new WebSocket(capped.url.replace(/^http/, "ws"), "graphql-transport-ws");
      socket.on("open", () => resolve({ status: 101, socket }));
      socket.on("unexpected-response", (_request, response) => resolve({ status: response.statusCode ?? 0 }));
      socket.on("error", () => {});
    });

  it("are capped at SUBSCRIPTION_CONNECTIONS_PER_ADDRESS (429 at the upgrade); one that closes frees its place", async () => {
    const [first, second] = [await open(), await open()];
    expect([first.status, second.status]).toEqual([101, 101]);
    expect((await open()).status).toBe(429);
    const closed = new Promise((resolve) => first.socket?.once("close", resolve));
    first.socket?.close();
    await closed;
    let again = await open();
    // The router sees the close a moment after the client does.
    for (let attempt = 0; attempt < 20 && again.status !== 101; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await open();
    }
    expect(again.status).toBe(101);
    again.socket?.close();
    second.socket?.close();
  });
});
