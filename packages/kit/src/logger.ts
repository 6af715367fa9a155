import cluster from "node:cluster";
import { type DestinationStream, type Logger, pino } from "pino";
import type { CommonConfig } from "./config.ts";

export type { Logger };

// pino's isoTime formats a new Date for every line; under load many lines share a millisecond, and the
// formatting was a visible share of a cache hit's CPU. Same output, formatted once per millisecond.
let stampedAt = -1;
let stamp = "";
function isoTime(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/**
 * JSON logs (one object per line) for every service. Secrets and personal data never reach a log line:
 * pino removes these paths before serialising, wherever a caller put them.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    timestamp: isoTime,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        'req.headers["x-internal-token"]',
        "*.password",
        "*.passwordHash",
        "*.token",
        "*.email",
        "variables",
      ],
      censor: "[redacted]",
    },
  };
  const out = destination ?? stdoutDestination(DEFAULT_LOG_BUFFER_MAX_BYTES);
  const logger = pino(options, out);
  if (stdoutDestinations.has(out)) reportDrops(out as ReturnType<typeof pino.destination>, logger);
  return logger;
}

/** A service's logger on stdout, as its config sets it (LOG_LEVEL, LOG_BUFFER_MAX_BYTES). */
export function serviceLogger(service: string, config: Pick<CommonConfig, "logLevel" | "logBufferMaxBytes">): Logger {
  return createLogger(service, config.logLevel, stdoutDestination(config.logBufferMaxBytes));
}

/** LOG_BUFFER_MAX_BYTES's default: 16 MiB, about 70,000 access lines. */
export const DEFAULT_LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** Lines this process's loggers dropped because stdout was not read fast enough (see stdoutDestination). */
let droppedLines = 0;
export const droppedLogLines = (): number => droppedLines;

/** Counts a stdout destination's dropped lines, and says how many in a line of its own once it has caught up (exported for its test). */
export function reportDrops(out: ReturnType<typeof pino.destination>, logger: Logger): void {
  let since = 0;
  // What was dropped is one write: a line, or a batch of access lines (see createAccessLog).
  out.on("drop", (data: unknown) => {
    const lines = typeof data === "string" ? countLines(data) : 1;
    droppedLines += lines;
    since += lines;
  });
  // sonic-boom emits "drain" when its buffer is written out (below minLength) again.
  out.on("drain", () => {
    if (since === 0) return;
    const dropped = since;
    since = 0;
    logger.warn({ droppedLines: dropped }, "log lines dropped: stdout was not read fast enough");
  });
}

function countLines(text: string): number {
  let lines = 0;
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) lines++;
  return Math.max(lines, 1);
}

/** The destinations stdoutDestination made: loggers on them report their drops. */
const stdoutDestinations = new WeakSet<object>();

/**
 * Asynchronous writes to stdout: a log line per request must not block the event loop on the pipe.
 * Lines are written in batches of at least 32 KB (2 KB in a cluster worker, below), or every 100 ms when
 * fewer arrive: under load a write per line or two was a tenth of a cache hit's CPU. Each write wakes a
 * libuv thread, which on a router given one core takes that core from the event loop: at saturation
 * batches of 2 KB were ~1,400 writes a second, and 32 KB ones cost about 5% less CPU per cache hit (two
 * routers side by side on one core, bench/results/2026-11-22T02-10-00-log-batch-size-ab.md). The price:
 * sonic-boom copies its current chunk on every write (it measures the `+=`-built string), so a line
 * written alone costs ~4 µs more than with 2 KB batches; the router's hits write a batch per turn, and
 * a request that executes an operation costs milliseconds. Exit through `exitAfterLogs` to write what is
 * buffered first.
 *
 * The most one write holds depends on who else writes to the pipe. sonic-boom has one write in flight at
 * a time and starts the next from its callback, so it writes at most one batch per turn of the event
 * loop. Capped at 4 KB, that fell behind at saturation (a turn answers ~50 cache hits, 11 KB of access
 * lines): lines waited, were promoted to the old generation, and up to 2 MB piled up. A process alone on
 * its stdout (one router, every subgraph) therefore writes up to 64 KB at once; in an interleaved A/B
 * this raised saturated cache-hit throughput and lowered CPU per hit in every round. A cluster worker
 * (ROUTER_WORKERS) shares its stdout pipe with the other workers, so it keeps to 4 KB (PIPE_BUF): writes
 * that size are atomic on a pipe, and whole lines from different workers never interleave.
 *
 * A reader that stops reading (a stalled log shipper, a terminal held by ^S) must not make the process
 * hold every line written since: beyond `maxBufferedBytes` sonic-boom drops new lines. Loggers made on it
 * count them (`droppedLogLines`, on /metrics as `log_lines_dropped_total`) and, once the backlog is
 * written, log how many.
 */
function stdoutDestination(maxBufferedBytes: number): ReturnType<typeof pino.destination> {
  const destination = pino.destination({
    dest: 1,
    sync: false,
    minLength: cluster.isWorker ? 2048 : 32 * 1024,
    maxWrite: cluster.isWorker ? 4096 : 64 * 1024,
    maxLength: maxBufferedBytes,
  });
  setInterval(() => {
    try {
      destination.flush();
    } catch {} // closed at exit
  }, 100).unref();
  stdoutDestinations.add(destination);
  return destination;
}

/**
 * Exits once everything logged so far is written (at most a second later): a bare process.exit() right
 * after the last log line could cut off a batch still being written.
 */
export function exitAfterLogs(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1_000);
  // sonic-boom calls a flush back once a write in flight is done and what is left is below its batch
  // size (minLength), which may still be held: the second flush writes that too. (pino's exit hook would
  // write it at exit as well, synchronously.)
  logger.flush(() => logger.flush(() => process.exit(code)));
}
