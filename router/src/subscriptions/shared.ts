import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import type { ExecutionResult } from "graphql";

/** What one client subscription is told about the upstream it shares. */
export interface Receiver {
  event(event: GatewayGraphQLResponse): void;
  /** The upstream ended: completed (no error), refused (the subgraph's GraphQL errors) or lost. */
  ended(outcome: { error?: unknown }): void;
}

export interface Membership {
  /** Leaves the upstream; the last to leave ends it at the subgraph. */
  leave(): void;
  /** The client's result for an event: worked out once for every member (the first to ask runs `run`). */
  complete(event: GatewayGraphQLResponse, run: () => Promise<ExecutionResult>): Promise<ExecutionResult>;
}

interface Upstream {
  events: AsyncIterableIterator<GatewayGraphQLResponse>;
  receivers: Set<Receiver>;
  completions: WeakMap<GatewayGraphQLResponse, Promise<ExecutionResult>>;
}

/**
 * Identical subscriptions share one subscription at the subgraph and one completion per event: the same
 * operation, variables and viewer (the identity the subgraphs see, in the subscription and in each event's
 * entity fetches) make the same results, so a thousand viewers of one product page cost the subgraph one
 * subscription and the router one completion per change. Each member keeps its own backlog, limits, token
 * checks and end (service.ts); events reach every member in the order the subgraph sent them.
 */
export class SharedUpstreams {
  private readonly upstreams = new Map<string, Upstream>();

  /** `onSize`: told the number of open upstreams whenever it changes (a gauge). */
  constructor(private readonly onSize: (size: number) => void = () => {}) {}

  /** Joins the upstream under `key`, opening it with `open` when no member has it open. */
  join(key: string, open: () => AsyncIterableIterator<GatewayGraphQLResponse>, receiver: Receiver): Membership {
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      const opened: Upstream = { events: open(), receivers: new Set(), completions: new WeakMap() };
      this.upstreams.set(key, opened);
      this.onSize(this.upstreams.size);
      void this.forward(key, opened);
      upstream = opened;
    }
    const joined = upstream;
    joined.receivers.add(receiver);
    return {
      leave: () => {
        if (!joined.receivers.delete(receiver) || joined.receivers.size > 0) return;
        this.forget(key, joined);
        void joined.events.return?.();
      },
      complete: (event, run) => {
        let result = joined.completions.get(event);
        if (!result) {
          result = run();
          joined.completions.set(event, result);
        }
        return result;
      },
    };
  }

  /** Subscriptions open at the subgraphs (one per distinct operation, variables and viewer). */
  get size(): number {
    return this.upstreams.size;
  }

  private async forward(key: string, upstream: Upstream): Promise<void> {
    let outcome: { error?: unknown } = {};
    try {
      for await (const event of upstream.events) for (const receiver of upstream.receivers) receiver.event(event);
    } catch (error) {
      outcome = { error };
    }
    // Gone before its members hear of it: a subscription starting now opens a new one.
    this.forget(key, upstream);
    for (const receiver of [...upstream.receivers]) receiver.ended(outcome);
  }

  private forget(key: string, upstream: Upstream): void {
    if (this.upstreams.get(key) !== upstream) return;
    this.upstreams.delete(key);
    this.onSize(this.upstreams.size);
  }
}
