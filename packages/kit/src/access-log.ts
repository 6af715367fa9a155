import { tracingChannel } from "node:diagnostics_channel";
import { type Logger, symbols } from "pino";

/** The fields of the access line every request gets, wherever it was answered. */
export interface AccessLine {
  reqId: string;
  method: string;
  url: string;
  statusCode: number;
  ms: number;
}

/** Writes access lines, all of one batch in one write; `direct`: formatted here (else by `logger.info`). */
export type AccessLog = ((lines: readonly AccessLine[]) => void) & { readonly direct: boolean };

const INFO = 30;
/**
 * pino's own diagnostics channel, on which it traces the making of each line (APM tools subscribe to see
 * every line a logger writes). While anything listens, access lines go through pino, so they are traced.
 */
const pinoAsJson = tracingChannel("pino_asJson");
const MESSAGE = "request";
/** Strings JSON needs no escape for, as pino writes them: quoted as they are. */
const PLAIN = /^[\w.:/-]*$/;
const quoted = (value: string) => (PLAIN.test(value) ? `"${value}"` : JSON.stringify(value));

/**
 * The access log of a service: for each request the very line pino writes for
 * `logger.info(line, "request")` (a test compares them byte for byte), to the logger's destination, at its
 * level, with its bindings and its timestamp function.
 *
 * Formatted here rather than by `logger.info`, because at saturation the access line was the largest
 * part of a cache hit's CPU that is ours: without it the router answered about a fifth more hits, and
 * about half of that went to pino's general path — per call its argument handling, and per field a
 * serializer lookup, a stringifier lookup and an escaping pass — for five fields whose shape is known.
 * (bench/results/2026-11-22T00-45-00-access-line-ab.md). The lines of a batch (the cache hits the router
 * answers in one turn of its event loop) are joined and written in one call to the destination.
 *
 * pino exposes what this reads (its level strings, timestamp, bindings and destination) as `pino.symbols`
 * for integrations. A logger that rewrites lines — a mixin, a `log` formatter, a `streamWrite` hook, a
 * nested key, serializers or redaction of these fields, a multistream wanting each line's metadata — gets
 * `logger.info` instead, as before; so does every logger while pino's diagnostics channel has subscribers.
 */
export function createAccessLog(logger: Logger): AccessLog {
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[symbols.streamSym] as {
    write(text: string): unknown;
    maxWrite?: unknown;
    [key: symbol]: unknown;
  };
  const serializers = internals[symbols.serializersSym] as Record<string, unknown>;
  const stringifiers = internals[symbols.stringifiersSym] as Record<string | symbol, unknown>;
  const rewrites =
    internals[symbols.mixinSym] ||
    (internals[symbols.formattersSym] as { log?: unknown }).log ||
    (internals[symbols.hooksSym] as { streamWrite?: unknown }).streamWrite ||
    internals[symbols.nestedKeySym] ||
    internals[symbols.messageKeySym] !== "msg" ||
    ["reqId", "method", "url", "statusCode", "ms", "msg"].some((key) => serializers[key] || stringifiers[key]) ||
    stringifiers[symbols.wildcardFirstSym] ||
    stream[symbols.needsMetadataGsym] === true;
  const viaPino = (lines: readonly AccessLine[]) => {
    for (const line of lines) logger.info(line, MESSAGE);
  };
  if (rewrites) return Object.assign(viaPino, { direct: false });
  const end = internals[symbols.endSym] as string;
  // The most the destination writes at once (sonic-boom's maxWrite; none for other streams).
  const maxWrite = typeof stream.maxWrite === "number" ? stream.maxWrite : Number.POSITIVE_INFINITY;
  const direct = (lines: readonly AccessLine[]) => {
    if (lines.length === 0 || !logger.isLevelEnabled("info")) return;
    if (pinoAsJson.hasSubscribers) return viaPino(lines);
    // The level and bindings are read at each write: a logger's level may be changed while it runs.
    const start = (internals[symbols.lsCacheSym] as Record<number, string>)[INFO] as string;
    const bindings = internals[symbols.chindingsSym] as string;
    const time = (internals[symbols.timeSym] as () => string)();
    let text = "";
    for (const line of lines) {
      text += `${start}${time}${bindings},"reqId":${quoted(line.reqId)},"method":${quoted(line.method)},"url":${quoted(line.url)},"statusCode":${line.statusCode},"ms":${Number.isFinite(line.ms) ? line.ms : null},"msg":"${MESSAGE}"${end}`;
    }
    // Within maxWrite for certain (a UTF-8 byte per UTF-16 unit, at most three): one write.
    if (text.length * 3 <= maxWrite) stream.write(text);
    else writeInPieces(stream, text, maxWrite);
  };
  return Object.assign(direct, { direct: true });
}

/**
 * sonic-boom writes each string it is given in one write, however long, and a cluster worker's writes
 * must stay within its maxWrite (4 KB, PIPE_BUF) to be atomic on the stdout pipe the workers share: a
 * longer batch goes in pieces of whole lines within it.
 */
function writeInPieces(stream: { write(text: string): unknown }, text: string, maxWrite: number): void {
  let from = 0;
  let pieceEnd = 0;
  let pieceBytes = 0;
  while (pieceEnd < text.length) {
    const lineEnd = text.indexOf("\n", pieceEnd) + 1 || text.length;
    const bytes = Buffer.byteLength(text.slice(pieceEnd, lineEnd));
    if (pieceEnd > from && pieceBytes + bytes > maxWrite) {
      stream.write(text.slice(from, pieceEnd));
      from = pieceEnd;
      pieceBytes = 0;
    }
    pieceEnd = lineEnd;
    pieceBytes += bytes;
  }
  stream.write(text.slice(from));
}
