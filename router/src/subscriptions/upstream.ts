import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import type { PrimaryRequest } from "./federated.ts";

/**
 * The router's side of the subgraphs' subscriptions: GraphQL over WebSocket (graphql-ws), one connection
 * per subgraph carrying every subscription to it, opened on the first and closed a moment after the last.
 * WebSocket rather than SSE because one connection multiplexes them all (SSE over HTTP/1 takes a connection
 * per subscription, or a second protocol to multiplex); the viewer of each subscription travels in its own
 * `subscribe` message (`extensions`), as the internal token does in a query's headers.
 */
export class SubgraphSubscriptionClients {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly urls: ReadonlyMap<string, string>,
    /** What a connection presents in `connection_init` (the router's own internal token). */
    private readonly connectionParams: () => Record<string, unknown>,
  ) {}

  /**
   * The primary subgraph's events for one client subscription. Ending the iteration (`return()`)
   * completes the subscription upstream; a lost connection ends it with an error, never a silent stop.
   */
  subscribe(
    request: PrimaryRequest,
    extensions: Record<string, unknown>,
  ): AsyncIterableIterator<GatewayGraphQLResponse> {
    const iterator = this.client(request.subgraph).iterate({
      query: request.query,
      operationName: request.operationName ?? null,
      variables: request.variables,
      extensions,
    });
    return iterator as AsyncIterableIterator<GatewayGraphQLResponse>;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.dispose()));
    this.clients.clear();
  }

  private client(subgraph: string): Client {
    let client = this.clients.get(subgraph);
    if (client) return client;
    const url = this.urls.get(subgraph);
    if (!url) throw new Error(`unknown subgraph ${subgraph}`);
    client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: this.connectionParams,
      lazy: true,
      lazyCloseTimeout: 1_000,
      keepAlive: 10_000,
      // A subscription whose connection dropped ends with an error: its client resubscribes (to this
      // replica or another) and refetches, as the README says; retrying here would hide the gap.
      retryAttempts: 0,
    });
    this.clients.set(subgraph, client);
    return client;
  }
}
