import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { describe, expect, it } from "vitest";
import { type Receiver, SharedUpstreams } from "./shared.ts";

/** An upstream the test feeds by hand: `push` an event, `finish` it (with an error or not); `returned` once closed. */
function fakeUpstream() {
  const queue: GatewayGraphQLResponse[] = [];
  let waiting: ((result: IteratorResult<GatewayGraphQLResponse>) => void) | undefined;
  let failure: { error?: unknown } | undefined;
  let fail: (error: unknown) => void = () => {};
  const state = { returned: false };
  const iterator: AsyncIterableIterator<GatewayGraphQLResponse> = {
    next: () => {
      const event = queue.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (failure)
        return failure.error ? Promise.reject(failure.error) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        fail = reject;
      });
    },
    return: () => {
      state.returned = true;
      waiting?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    iterator,
    state,
    push(event: GatewayGraphQLResponse) {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: event, done: false });
      } else queue.push(event);
    },
    finish(error?: unknown) {
      failure = { error };
      if (!waiting) return;
      const resolve = waiting;
      waiting = undefined;
      if (error) fail(error);
      else resolve({ value: undefined, done: true });
    },
  };
}

function recorder(): Receiver & { events: GatewayGraphQLResponse[]; outcomes: Array<{ error?: unknown }> } {
  const events: GatewayGraphQLResponse[] = [];
  const outcomes: Array<{ error?: unknown }> = [];
  return {
    events,
    outcomes,
    event: (event) => void events.push(event),
    ended: (outcome) => void outcomes.push(outcome),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("shared upstreams", () => {
  it("open one upstream per key, give every member each event, and complete each event once", async () => {
    const sizes: number[] = [];
    const shared = new SharedUpstreams((size) => sizes.push(size));
    const upstream = fakeUpstream();
    let opened = 0;
    const open = () => {
      opened++;
      return upstream.iterator;
    };
    const [a, b] = [recorder(), recorder()];
    const first = shared.join("k", open, a);
    const second = shared.join("k", open, b);
    expect(opened).toBe(1);
    expect(shared.size).toBe(1);
    const event = { data: { n: 1 } };
    upstream.push(event);
    await settle();
    expect(a.events).toEqual([event]);
    expect(b.events).toEqual([event]);
    let runs = 0;
    const run = async () => {
      runs++;
      return { data: { done: true } };
    };
    const [one, two] = await Promise.all([first.complete(event, run), second.complete(event, run)]);
    expect(runs).toBe(1);
    expect(one).toBe(two);
    // The last to leave closes it; the first leaving does not.
    first.leave();
    expect(upstream.state.returned).toBe(false);
    second.leave();
    expect(upstream.state.returned).toBe(true);
    expect(shared.size).toBe(0);
    expect(sizes).toEqual([1, 0]);
  });

  it("keep different keys apart", () => {
    const shared = new SharedUpstreams();
    const [x, y] = [fakeUpstream(), fakeUpstream()];
    shared.join("alice", () => x.iterator, recorder());
    shared.join("bob", () => y.iterator, recorder());
    expect(shared.size).toBe(2);
  });

  it("tell every member how the upstream ended, and open a new one for whoever joins after", async () => {
    const shared = new SharedUpstreams();
    const ended = fakeUpstream();
    const [a, b] = [recorder(), recorder()];
    shared.join("k", () => ended.iterator, a);
    shared.join("k", () => ended.iterator, b);
    const refusal = [{ message: "no such product" }];
    ended.finish(refusal);
    await settle();
    expect(a.outcomes).toEqual([{ error: refusal }]);
    expect(b.outcomes).toEqual([{ error: refusal }]);
    expect(shared.size).toBe(0);
    const fresh = fakeUpstream();
    let reopened = false;
    shared.join(
      "k",
      () => {
        reopened = true;
        return fresh.iterator;
      },
      recorder(),
    );
    expect(reopened).toBe(true);
  });
});
