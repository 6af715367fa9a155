import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { drainKeepAliveOnClose } from "./keep-alive-drain.ts";

const get = (port: number, agent: Agent) =>
  new Promise<number>((resolve, reject) => {
    request({ port, host: "127.0.0.1", agent }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });

// Regression (#26): Node's close() destroyed keep-alive sockets idle at that instant, so a request the
// client had just sent on one got ECONNRESET.
it("answers a request sent on a kept-alive connection after close(), then ends idle connections", async () => {
  const server = createServer((_request, response) => response.end("ok"));
  drainKeepAliveOnClose(server, () => {}, 200);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const busy = new Agent({ keepAlive: true, maxSockets: 1 });
  const idle = new Agent({ keepAlive: true, maxSockets: 1 });
  await Promise.all([get(port, busy), get(port, idle)]);
  const started = performance.now();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  expect(await get(port, busy)).toBe(200);
  await closed;
  expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  expect(performance.now() - started).toBeLessThan(2_000);
  busy.destroy();
  idle.destroy();
});
