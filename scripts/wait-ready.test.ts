import { describe, expect, it } from "vitest";
import { cpuTicks, type Watched, waitUntilReady } from "./wait-ready.ts";

/** A service on a fake clock: `script(t)` says, at time t (ms), whether it is ready, exited, and its progress. */
function fake(script: (t: number) => { ready?: boolean; exited?: boolean; progress?: number }) {
  let t = 0;
  const service: Watched = {
    ready: async () => script(t).ready ?? false,
    exited: () => script(t).exited ?? false,
    progress: () => script(t).progress ?? 0,
  };
  const options = {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    intervalMs: 1_000,
    silenceMs: 60_000,
  };
  return { service, options, elapsed: () => t };
}

describe("waiting for a dev service", () => {
  it("waits as long as the service prints or works, past any fixed deadline (the 120 s one reported four healthy subgraphs as failed)", async () => {
    // Ready after 10 minutes on a loaded machine, printing a line every 30 s until then.
    const { service, options, elapsed } = fake((t) => ({ ready: t >= 600_000, progress: Math.floor(t / 30_000) }));
    expect(await waitUntilReady(service, options)).toBe("ready");
    expect(elapsed()).toBe(600_000);
  });

  it("reports a service that exited at once", async () => {
    const { service, options, elapsed } = fake((t) => ({ exited: t >= 5_000, progress: t }));
    expect(await waitUntilReady(service, options)).toBe("exited");
    expect(elapsed()).toBe(5_000);
  });

  it("reports a service that made no progress for the silence period", async () => {
    const { service, options, elapsed } = fake((t) => ({ progress: Math.min(t, 20_000) }));
    expect(await waitUntilReady(service, options)).toBe("silent");
    expect(elapsed()).toBe(80_000);
  });

  it("reads a live process's CPU time, and 0 for none", () => {
    expect(cpuTicks(process.pid)).toBeGreaterThanOrEqual(0);
    expect(cpuTicks(2 ** 30)).toBe(0);
  });
});
