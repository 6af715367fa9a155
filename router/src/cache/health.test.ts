import { createLogger } from "@supergraph/kit/runtime";
import { describe, expect, it } from "vitest";
import { CacheHealth } from "./health.ts";

// The cache's fail-open guard. The operations given to it stand for the store's commands: each is a
// promise the test settles, so the order in which they finish around an outage is the test's to choose.

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function health() {
  const lines: string[] = [];
  let recoveries = 0;
  const guard = new CacheHealth(
    createLogger("router", "info", { write: (line: string) => void lines.push(line) }),
    1_000,
    async () => {
      recoveries++;
    },
  );
  return { guard, lines, recoveries: () => recoveries };
}

describe("CacheHealth", () => {
  it("after a lost purge, trusts nothing read before its recovery, and recovers once", async () => {
    const { guard, lines, recoveries } = health();
    // The store fails, and a purge is lost with it.
    expect(await guard.run(() => Promise.reject(new Error("down")), "fallback")).toBe("fallback");
    await guard.purge(() => Promise.reject(new Error("down")));
    expect(guard.isHealthy).toBe(false);

    // Two tag checks sent while it was down are answered once it is back: both true, both read before
    // the epoch bump that invalidates what the lost purge should have.
    const first = deferred<boolean>();
    const second = deferred<boolean>();
    const checks = [guard.run(() => first.promise, false), guard.run(() => second.promise, false)];
    first.resolve(true);
    second.resolve(true);
    expect(await Promise.all(checks)).toEqual([false, false]);
    expect(recoveries()).toBe(1);
    expect(lines.filter((line) => line.includes("response cache is back"))).toHaveLength(1);

    // Begun after the recovery: trusted.
    expect(guard.isHealthy).toBe(true);
    expect(await guard.run(async () => true, false)).toBe(true);
  });

  it("trusts an operation begun while the store failed, if no purge was lost", async () => {
    const { guard, recoveries } = health();
    expect(await guard.run(async () => "value", "fallback")).toBe("value");
    expect(await guard.run(() => Promise.reject(new Error("down")), "fallback")).toBe("fallback");
    expect(guard.isHealthy).toBe(false);
    expect(await guard.run(async () => "value", "fallback")).toBe("value");
    expect(guard.isHealthy).toBe(true);
    expect(recoveries()).toBe(0);
  });
});
