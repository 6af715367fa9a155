import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SubgraphProxy {
  url: string;
  /** Requests passed on to the subgraph so far. */
  forwarded(): number;
  /** While true, requests are held forever: the subgraph looks hung. */
  hang: boolean;
  /** While true, requests are answered 502 at once, unforwarded: the subgraph looks down. */
  fail: boolean;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real subgraph: holds each request `delayMs` before forwarding it (so
 * requests overlap, or stay in flight), can hang or fail, and counts what reaches the subgraph.
 */
export async function delayingProxy(target: string, delayMs = 0): Promise<SubgraphProxy> {
  const upstream = new URL(target);
  let forwarded = 0;
  const state = { hang: false, fail: false };
  const server: Server = createServer((incoming, outgoing) => {
    if (state.hang) return;
    if (state.fail) {
      outgoing.writeHead(502).end();
      return;
    }
    setTimeout(() => {
      forwarded++;
      const request = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: incoming.method,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      incoming.pipe(request);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    forwarded: () => forwarded,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}
