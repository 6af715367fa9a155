import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createAccessLog } from "./access-log.ts";
import { createLogger, droppedLogLines, reportDrops } from "./logger.ts";

const line = (index: number) => ({
  reqId: `request-${index}`,
  method: "POST",
  url: "/graphql",
  statusCode: 200,
  ms: 1,
});

describe("dropped log lines", () => {
  it("are counted line by line, also when a whole batch of access lines is dropped at once", async () => {
    // A destination that holds at most 300 bytes while its one write is in flight.
    const out = pino.destination({ dest: "/dev/null", sync: false, minLength: 0, maxLength: 300 });
    await new Promise((resolve) => out.once("ready", resolve));
    const logger = createLogger("router", "info", out);
    reportDrops(out, logger);
    const before = droppedLogLines();
    const accessLog = createAccessLog(logger.child({}, { redact: [] }));
    accessLog([line(0)]); // written: in flight
    accessLog(Array.from({ length: 5 }, (_, index) => line(index + 1))); // ~1 KB: beyond 300 bytes, dropped
    expect(droppedLogLines() - before).toBe(5);
    // Once written out, the logger says how many (reportDrops), then the destination closes.
    await new Promise((resolve) => out.once("drain", resolve));
    await new Promise((resolve) => {
      out.once("close", resolve);
      out.end();
    });
  });
});

describe("access lines of a cluster worker", () => {
  it("reach the destination in writes of whole lines within its maxWrite, so they stay atomic on a shared pipe", () => {
    const writes: string[] = [];
    const stream = { maxWrite: 1000, write: (text: string) => writes.push(text) };
    const logger = createLogger("router", "info", stream);
    // Some with characters of two UTF-8 bytes: pieces are measured in bytes.
    const lines = Array.from({ length: 20 }, (_, index) => ({
      ...line(index),
      url: index % 3 ? "/graphql" : `/graphql/${"é".repeat(300)}`,
    }));
    createAccessLog(logger.child({}, { redact: [] }))(lines);
    expect(writes.length).toBeGreaterThan(1);
    for (const text of writes) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
      expect(text.endsWith("\n")).toBe(true);
    }
    expect(
      writes
        .join("")
        .trimEnd()
        .split("\n")
        .map((text) => JSON.parse(text).reqId),
    ).toEqual(lines.map((entry) => entry.reqId));
  });
});
