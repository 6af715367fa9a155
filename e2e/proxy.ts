import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// HTTP proxies in front of a real subgraph, for the faults and races tests make on purpose.

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

/** Passes a request on to `upstream`; `answered` gets the subgraph's response. */
function forward(upstream: URL, incoming: IncomingMessage, answered: (response: IncomingMessage) => void): void {
  const request = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: upstream.pathname,
      method: incoming.method,
      headers: incoming.headers,
    },
    answered,
  );
  incoming.pipe(request);
}

/** Serves `handle` on a free local port: its GraphQL URL, and how to stop it. */
async function serve(handle: (incoming: IncomingMessage, outgoing: ServerResponse) => void) {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A proxy that passes each request on at once and sends the subgraph's answer back when `holdOf(n)` (n: 1
 * for the first request), if it gives a hold, has run out: it is called once the answer is made, so what
 * the subgraph read was read before it is held.
 */
async function answeringLate(target: string, holdOf: (n: number) => (() => Promise<void>) | undefined) {
  const upstream = new URL(target);
  let requests = 0;
  const server = await serve((incoming, outgoing) => {
    const hold = holdOf(++requests);
    forward(upstream, incoming, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", async () => {
        if (hold) await hold();
        if (outgoing.destroyed) return;
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        outgoing.end(Buffer.concat(chunks));
      });
    });
  });
  return { ...server, requests: () => requests };
}

/**
 * An HTTP proxy in front of a real subgraph: holds each request `delayMs` before forwarding it (so
 * requests overlap, or stay in flight), can hang or fail, and counts what reaches the subgraph.
 */
export async function delayingProxy(target: string, delayMs = 0): Promise<SubgraphProxy> {
  const upstream = new URL(target);
  let forwarded = 0;
  const state = { hang: false, fail: false };
  const server = await serve((incoming, outgoing) => {
    if (state.hang) return;
    if (state.fail) {
      outgoing.writeHead(502).end();
      return;
    }
    setTimeout(() => {
      forwarded++;
      forward(upstream, incoming, (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      });
    }, delayMs);
  });
  return Object.assign(state, { ...server, forwarded: () => forwarded });
}

/** A proxy that answers the first `late` requests `delayMs` after the subgraph did; counts every request. */
export function lateProxy(target: string, late: number, delayMs: number) {
  return answeringLate(target, (n) =>
    n <= late ? () => new Promise<void>((resolve) => setTimeout(resolve, delayMs)) : undefined,
  );
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

/** A proxy that can hold an answer already made until released, for races made on purpose. */
export async function holdingProxy(target: string): Promise<HoldingProxy> {
  let next: { answered: () => void; released: Promise<void> } | null = null;
  const proxy = await answeringLate(target, () => {
    const hold = next;
    next = null;
    if (!hold) return undefined;
    return () => {
      hold.answered();
      return hold.released;
    };
  });
  return {
    url: proxy.url,
    close: proxy.close,
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
  };
}
