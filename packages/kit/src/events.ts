import { createPubSub, type PubSub } from "@graphql-yoga/subscription";
import { createClient, type RedisClientType } from "@redis/client";
import { SlidingBuffer } from "@repeaterjs/repeater";
import type { Logger } from "./logger.ts";

/** Events a subscriber may fall behind by before the oldest are dropped (a slow consumer never grows memory). */
const SUBSCRIBER_BUFFER = 256;

export interface EventBusOptions {
  /** With Redis, events travel over its pub/sub to every replica of every service; without, in process. */
  redisUrl?: string;
  /** Channel prefix, so that several deployments (or test runs) can share one Redis. */
  channelPrefix: string;
  logger: Logger;
}

export interface EventBus<TEvents extends Record<string, [] | [unknown] | [string | number, unknown]>> {
  /** Publish after the change has committed: a subscriber must never see a change that was rolled back. */
  publish: PubSub<TEvents>["publish"];
  subscribe: PubSub<TEvents>["subscribe"];
  close(): Promise<void>;
}

/**
 * Subscriptions' events: GraphQL Yoga's pub/sub (topics, optional ids, async iterators with a bounded
 * buffer) over an event target that is Redis pub/sub when REDIS_URL is set. Delivery is at most once: an
 * event published while a subscriber's connection is down is lost to it (clients refetch on reconnect).
 * Yoga's own Redis event target speaks ioredis; this is the same small adapter over node-redis, the client
 * the rest of the workspace uses.
 */
export function createEventBus<TEvents extends Record<string, [] | [unknown] | [string | number, unknown]>>(
  options: EventBusOptions,
): EventBus<TEvents> {
  const target = options.redisUrl
    ? redisEventTarget(options.redisUrl, options.channelPrefix, options.logger)
    : undefined;
  const pubSub = createPubSub<TEvents>({
    ...(target && { eventTarget: target.eventTarget as never }),
    repeaterBuffer: new SlidingBuffer(SUBSCRIBER_BUFFER),
  });
  return {
    publish: pubSub.publish,
    subscribe: pubSub.subscribe,
    close: async () => {
      await target?.close();
    },
  };
}

function redisEventTarget(url: string, prefix: string, logger: Logger) {
  const connect = (role: string) => {
    const client = createClient({
      url,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
    }) as RedisClientType;
    client.on("error", (error) => logger.warn({ err: error, role }, "events: Redis failed"));
    return { client, ready: client.connect().catch(() => {}) };
  };
  const publisher = connect("publish");
  const subscriber = connect("subscribe");
  const counts = new Map<string, number>();
  /** A local EventTarget whose dispatches go out through Redis, and whose listeners hear what Redis delivers. */
  class RedisEventTarget extends EventTarget {
    override addEventListener(...[topic, listener, options]: Parameters<EventTarget["addEventListener"]>): void {
      super.addEventListener(topic, listener, options);
      const count = counts.get(topic) ?? 0;
      counts.set(topic, count + 1);
      if (count > 0) return;
      void subscriber.ready
        .then(() =>
          subscriber.client.subscribe(prefix + topic, (message) =>
            super.dispatchEvent(new CustomEvent(topic, { detail: JSON.parse(message) })),
          ),
        )
        .catch((error: unknown) => logger.warn({ err: error, topic }, "events: could not subscribe"));
    }
    override removeEventListener(...[topic, listener, options]: Parameters<EventTarget["removeEventListener"]>): void {
      super.removeEventListener(topic, listener, options);
      const count = (counts.get(topic) ?? 1) - 1;
      if (count > 0) {
        counts.set(topic, count);
        return;
      }
      counts.delete(topic);
      void subscriber.client.unsubscribe(prefix + topic).catch(() => {});
    }
    override dispatchEvent(event: Event): boolean {
      const detail = (event as CustomEvent).detail;
      void publisher.ready
        .then(() => publisher.client.publish(prefix + event.type, JSON.stringify(detail)))
        .catch((error: unknown) => logger.warn({ err: error, topic: event.type }, "events: could not publish"));
      return true;
    }
  }
  const eventTarget = new RedisEventTarget();
  return {
    eventTarget,
    async close() {
      await Promise.all(
        [
          publisher.client.close?.() ?? publisher.client.quit(),
          subscriber.client.close?.() ?? subscriber.client.quit(),
        ].map((closing) => Promise.resolve(closing).catch(() => {})),
      );
    },
  };
}
