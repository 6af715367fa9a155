import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy in front of a real subgraph that holds each request for `delayMs` before forwarding it,
 * and counts them: makes requests overlap, and shows how many reached the subgraph.
 */
export async function delayingProxy(target: string, delayMs: number): Promise<{ url: string; forwarded(): number; close(): Promise<void> }> {
  const upstream = new URL(target);
  let forwarded = 0;
  const server: Server = createServer((incoming, outgoing) => {
    setTimeout(() => {
      forwarded++;
      const request = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: incoming.method, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      incoming.pipe(request);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    forwarded: () => forwarded,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
