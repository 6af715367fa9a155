import { describe, expect, it } from "vitest";
import { HashSlots, NoHashSlotError } from "./hash-slots.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("HashSlots", () => {
  it("runs at most `concurrency` tasks at once and hands a freed slot to the next waiter", async () => {
    const seen: number[] = [];
    const slots = new HashSlots({
      concurrency: 2,
      maxQueue: 10,
      maxWaitMs: 1000,
      onChange: (running) => seen.push(running),
    });
    const gates = Array.from({ length: 5 }, deferred);
    let running = 0;
    let most = 0;
    const tasks = gates.map((gate) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        await gate.promise;
        running--;
      }),
    );
    for (const gate of gates) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      gate.resolve();
    }
    await Promise.all(tasks);
    expect(most).toBe(2);
    expect(slots.highWaterMark).toBe(2);
    expect(Math.max(...seen)).toBe(2);
    expect(seen.at(-1)).toBe(0);
  });

  it("refuses at once when the queue is full, without running the task", async () => {
    const slots = new HashSlots({ concurrency: 1, maxQueue: 1, maxWaitMs: 1000 });
    const gate = deferred();
    const first = slots.run(() => gate.promise);
    const queued = slots.run(async () => "queued");
    let ran = false;
    await expect(
      slots.run(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(NoHashSlotError);
    expect(ran).toBe(false);
    gate.resolve();
    await first;
    expect(await queued).toBe("queued");
  });

  it("refuses a waiter whose time ran out, and the slot still goes to the next one", async () => {
    const slots = new HashSlots({ concurrency: 1, maxQueue: 5, maxWaitMs: 30 });
    const gate = deferred();
    const first = slots.run(() => gate.promise);
    const started = Date.now();
    await expect(slots.run(async () => "late")).rejects.toBeInstanceOf(NoHashSlotError);
    expect(Date.now() - started).toBeLessThan(500);
    const next = slots.run(async () => "next");
    gate.resolve();
    await first;
    expect(await next).toBe("next");
  });

  it("frees the slot when the task fails", async () => {
    const slots = new HashSlots({ concurrency: 1, maxQueue: 0, maxWaitMs: 10 });
    await expect(slots.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.run(async () => "free")).toBe("free");
  });
});
