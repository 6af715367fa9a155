import { createClient } from "@redis/client";
import { afterAll, describe, expect, it } from "vitest";
import { createEventBus, type EventBus } from "./events.ts";
import { createLogger } from "./logger.ts";

type Events = { productUpdated: [id: string, payload: { id: string; stock: number }]; tick: [payload: number] };

const logger = createLogger("test", "silent");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisReachable = await (async () => {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.close();
    return true;
  } catch {
    return false;
  }
})();

const buses: EventBus<Events>[] = [];
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()));
});

function bus(redisUrl?: string, channelPrefix = `test:${process.pid}:${Date.now()}:`): EventBus<Events> {
  const created = createEventBus<Events>({ redisUrl, channelPrefix, logger });
  buses.push(created);
  return created;
}

const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createEventBus in process", () => {
  it("delivers an event to the subscribers of its topic and id only", async () => {
    const events = bus();
    const p1 = events.subscribe("productUpdated", "p1");
    const p2 = events.subscribe("productUpdated", "p2");
    const first = p1.next();
    const other = Promise.race([p2.next(), settle(50).then(() => "nothing")]);
    events.publish("productUpdated", "p1", { id: "p1", stock: 3 });
    expect((await first).value).toEqual({ id: "p1", stock: 3 });
    expect(await other).toBe("nothing");
    await p1.return();
    await p2.return();
  });

  it("keeps a slow subscriber's backlog bounded: the oldest events are dropped", async () => {
    const events = bus();
    const ticks = events.subscribe("tick");
    // The repeater starts listening on its first pull.
    const first = ticks.next();
    for (let index = 0; index < 1_000; index++) events.publish("tick", index);
    expect((await first).value).toBe(0);
    const next = await ticks.next();
    // 256 kept: the next one read is from the end of the burst, not the 2nd event.
    expect(next.value).toBeGreaterThan(700);
    await ticks.return();
  });
});

describe.skipIf(!redisReachable)("createEventBus over Redis", () => {
  it("delivers an event published by one process's bus to a subscriber of another's", async () => {
    const prefix = `test:${process.pid}:${Date.now()}:shared:`;
    const publisher = bus(REDIS_URL, prefix);
    const subscriber = bus(REDIS_URL, prefix);
    const stranger = bus(REDIS_URL, `${prefix}other:`);
    const updates = subscriber.subscribe("productUpdated", "p1");
    const foreign = stranger.subscribe("productUpdated", "p1");
    const received = updates.next();
    const notReceived = Promise.race([foreign.next(), settle(300).then(() => "nothing")]);
    // Subscribing is a round trip to Redis: events before it lands are not delivered (at most once).
    await settle(200);
    publisher.publish("productUpdated", "p1", { id: "p1", stock: 7 });
    expect((await received).value).toEqual({ id: "p1", stock: 7 });
    expect(await notReceived).toBe("nothing");
    await updates.return();
    await foreign.return();
  });
});
