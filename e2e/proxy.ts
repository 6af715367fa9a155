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

export interface HoldingProxy {
  url: string;
  /**
   * Holds the answer to the next request: `answered` resolves once the subgraph has answered it (so what it
   * read was read), and the answer reaches the router only on `release()`.
   */
  holdNext(): { answered: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** An HTTP proxy in front of a real subgraph that can hold an answer already made, for races made on purpose. */
export async function holdingProxy(target: string): Promise<HoldingProxy> {
  const upstream = new URL(target);
  let next: { answered: () => void; released: Promise<void> } | null = null;
  const server: Server = createServer((incoming, outgoing) => {
    const hold = next;
    next = null;
    const request = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: upstream.pathname,
        method: incoming.method,
        headers: incoming.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", async () => {
          if (hold) {
            hold.answered();
            await hold.released;
          }
          if (outgoing.destroyed) return;
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          outgoing.end(Buffer.concat(chunks));
        });
      },
    );
    incoming.pipe(request);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    holdNext() {
      let answered = () => {};
      let release = () => {};
      const held = {
        answered: new Promise<void>((resolve) => (answered = resolve)),
        released: new Promise<void>((resolve) => (release = resolve)),
      };
      next = { answered, released: held.released };
      return { answered: held.answered, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
