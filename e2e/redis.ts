import { connect, createServer, type Server, type Socket } from "node:net";
import { createClient, type RedisClientType } from "@keyv/redis";
import { deleteKeysOf, testRedis, testRedisUrl } from "@supergraph/router/testing";

// Tests use the real Redis when one answers (CI has one at 127.0.0.1:6379; TEST_REDIS_URL points
// elsewhere). Each test file uses a key prefix of its own (uniquePrefix) and deletes its keys afterwards.
export { testRedisUrl as redisUrl, uniquePrefix } from "@supergraph/router/testing";

let reachable: Promise<boolean> | undefined;
export function redisAvailable(): Promise<boolean> {
  reachable ??= testRedis("probe").then(async (redis) => {
    await redis?.close();
    return redis !== undefined;
  });
  return reachable;
}

export async function deleteKeys(prefix: string): Promise<void> {
  const client = createClient({ url: testRedisUrl }) as RedisClientType;
  client.on("error", () => {});
  await client.connect();
  try {
    await deleteKeysOf(client, prefix);
  } finally {
    await client.close();
  }
}

/**
 * A TCP proxy in front of the real Redis, so a test can make Redis unreachable (stop) or unresponsive
 * (pause) for one router without touching the server other tests use.
 */
export class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private paused = false;
  private held: Array<() => void> = [];
  port = 0;

  async start(): Promise<void> {
    const target = new URL(testRedisUrl);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      this.sockets.add(client).add(upstream);
      const forward = (from: Socket, to: Socket) =>
        from.on("data", (chunk) => {
          if (this.paused) this.held.push(() => to.write(chunk));
          else to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("close", close).on("error", close);
      upstream.on("close", close).on("error", close);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
    const address = this.server.address();
    if (address && typeof address === "object") this.port = address.port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Redis stops answering: connections stay open, bytes wait in the proxy until `resume`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const deliver of this.held.splice(0)) deliver();
  }

  /** Redis goes away: every connection drops and new ones are refused. */
  async stop(): Promise<void> {
    this.held = [];
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = undefined;
  }
}
