import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type AccessLine, createAccessLog } from "./access-log.ts";
import { createLogger } from "./logger.ts";

/** A destination that keeps each write it is given. */
function destination() {
  const writes: string[] = [];
  return { writes, stream: { write: (text: string) => writes.push(text) } };
}

/** A service's logger, and its access-line child, as createHttpServer makes it. */
function serviceLogger(level = "info") {
  const out = destination();
  const logger = createLogger("router", level, out.stream);
  return { ...out, accessLogger: logger.child({}, { redact: [] }) };
}

// Lines written in different milliseconds differ in their time only.
const sameTime = (text: string) => text.replace(/"time":"[^"]+"/g, '"time":"T"');

const lines: AccessLine[] = [
  { reqId: "51964695-fcb8-41a4-96c1-5283da912cc6", method: "POST", url: "/graphql", statusCode: 200, ms: 3 },
  { reqId: "trace.1:a-b_c", method: "GET", url: '/graphql/"quoted"\\back\nslash/é', statusCode: 404, ms: 0 },
  { reqId: "x".repeat(128), method: "OPTIONS", url: "/", statusCode: 204, ms: 12_345 },
];

describe("access lines", () => {
  it("are the very lines pino writes for logger.info(line, 'request'), formatted without it", () => {
    const { writes, accessLogger } = serviceLogger();
    const log = createAccessLog(accessLogger);
    expect(log.direct).toBe(true);
    for (const line of lines) log([line]);
    for (const line of lines) accessLogger.info(line, "request");
    expect(writes).toHaveLength(lines.length * 2);
    for (const [index] of lines.entries()) {
      expect(sameTime(writes[index] as string)).toBe(sameTime(writes[index + lines.length] as string));
    }
    expect(JSON.parse(writes[1] as string)).toMatchObject({
      level: 30,
      service: "router",
      name: "router",
      ...lines[1],
      msg: "request",
    });
  });

  it("of one batch go to the destination in one write, in order", () => {
    const { writes, accessLogger } = serviceLogger();
    createAccessLog(accessLogger)(lines);
    expect(writes).toHaveLength(1);
    expect(
      (writes[0] as string)
        .trimEnd()
        .split("\n")
        .map((text) => JSON.parse(text).reqId),
    ).toEqual(lines.map((line) => line.reqId));
  });

  it("follow the logger's level, also when it changes while running", () => {
    const { writes, accessLogger } = serviceLogger("warn");
    const log = createAccessLog(accessLogger);
    log(lines);
    expect(writes).toEqual([]);
    accessLogger.level = "info";
    log(lines.slice(0, 1));
    expect(writes).toHaveLength(1);
  });

  it("go through pino itself for a logger that rewrites its lines", () => {
    const out = destination();
    const logger = pino({ mixin: () => ({ zone: "eu" }), timestamp: false }, out.stream);
    const log = createAccessLog(logger);
    expect(log.direct).toBe(false);
    log(lines.slice(0, 1));
    expect(JSON.parse(out.writes[0] as string)).toMatchObject({ zone: "eu", ...lines[0], msg: "request" });
  });

  it("go through pino itself while its diagnostics channel has subscribers, so tracers see each one", () => {
    const { writes, accessLogger } = serviceLogger();
    const log = createAccessLog(accessLogger);
    const traced: unknown[] = [];
    // What a tracer of pino subscribes to: the start of each line's making, with logger.info's arguments.
    const onStart = (message: unknown) => traced.push((message as { arguments: unknown[] }).arguments[0]);
    subscribe("tracing:pino_asJson:start", onStart);
    try {
      log(lines.slice(0, 2));
    } finally {
      unsubscribe("tracing:pino_asJson:start", onStart);
    }
    expect(traced).toEqual(lines.slice(0, 2));
    // The same lines as written directly, one write each (as pino writes them).
    expect(writes).toHaveLength(2);
    log(lines.slice(0, 2));
    expect(traced).toHaveLength(2);
    expect(writes).toHaveLength(3);
    expect(sameTime(writes.slice(0, 2).join(""))).toBe(sameTime(writes[2] as string));
  });
});
