import type { IncomingHttpHeaders } from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { negotiate } from "@fastify/accept-negotiator";
import compress from "@fastify/compress";
import type { FastifyInstance, FastifyReply } from "fastify";

// Responses compressed for clients that ask (Accept-Encoding), as Apollo Router does by default.
// Fastify's responses go through @fastify/compress. Bytes the router sends more than once — a cached
// entry, a response shared by coalesced requests — are compressed once per encoding and kept beside the
// identity bytes: compressing costs more than serving a hit (bench/README.md, "Compressed hits").
// The cache-hit lane, which answers before Fastify, picks the encoding as @fastify/compress would (the
// same negotiator, encodings and threshold; a test compares the two), so no client is answered
// differently for having been served from the cache.

/**
 * In order of preference when a client accepts several equally. No zstd: Node 20, which the router
 * supports, has none, and the lane and Fastify must choose alike on every runtime.
 */
export const ENCODINGS = ["br", "gzip", "deflate"] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Quality 4, @fastify/compress's default: 11 costs ~60 times as much for ~10% fewer bytes. */
const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const compressors: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  br: (body) => brotli(body, BROTLI_OPTIONS),
  gzip: (body) => gzip(body),
  deflate: (body) => deflate(body),
};

/** Bytes sent more than once, with their encoded forms as they are made. */
export interface Encodable {
  body: Buffer;
  encoded?: Partial<Record<Encoding, Promise<Buffer>>>;
}

export interface CompressionSettings {
  enabled: boolean;
  /** Smaller bodies are sent as they are: the framing would outweigh the saving. */
  minBytes: number;
}

export interface Compression {
  /** @fastify/compress on every route registered after this, with the same settings. */
  register(app: FastifyInstance): Promise<void>;
  /** The encoding a response of `size` bytes to a request with these headers gets; null: as it is. */
  choose(headers: IncomingHttpHeaders, size: number): Encoding | null;
  /** `holder`'s body in `encoding`, compressed once (in the thread pool) however many ask at once. */
  encode(holder: Encodable, encoding: Encoding): Promise<Buffer>;
}

// What @fastify/compress does to the header before negotiating: `*` and `x-gzip` stand for gzip.
const GZIP_ALIASES = /\*|x-gzip/g;

export function createCompression(settings: CompressionSettings): Compression {
  const supported = [...ENCODINGS];
  return {
    async register(app) {
      if (!settings.enabled) return;
      // Responses only: request bodies are read as they come, as without the plugin.
      await app.register(compress, {
        encodings: [...ENCODINGS],
        threshold: settings.minBytes,
        brotliOptions: BROTLI_OPTIONS,
        globalDecompression: false,
      });
    },
    choose(headers, size) {
      const accepted = headers["accept-encoding"];
      if (
        !settings.enabled ||
        size < settings.minBytes ||
        accepted === undefined ||
        headers["x-no-compression"] !== undefined
      )
        return null;
      return negotiate(accepted.toLowerCase().replace(GZIP_ALIASES, "gzip"), supported);
    },
    encode(holder, encoding) {
      holder.encoded ??= {};
      const forms = holder.encoded;
      let encoded = forms[encoding];
      if (!encoded) {
        const made = compressors[encoding](holder.body);
        forms[encoding] = made;
        // A failure is not kept: the next request tries again.
        made.catch(() => {
          if (forms[encoding] === made) delete forms[encoding];
        });
        encoded = made;
      }
      return encoded;
    },
  };
}

/**
 * Vary with `Accept` added: the Content-Type (and, for errors, the status) follows it, so a cache in front
 * (a CDN caching GETs) must keep answers apart by it. The hit lane adds the same.
 */
export function varyWithAccept(vary: unknown): string {
  const text = vary === undefined ? "" : Array.isArray(vary) ? vary.join(", ") : String(vary);
  return text === "" ? "Accept" : /\baccept\b/i.test(text.replace(/accept-encoding/gi, "")) ? text : `${text}, Accept`;
}

/** A compressed response's Vary, as @fastify/compress makes it: the one it had, with accept-encoding added. */
export function varyWithEncoding(vary: string | undefined): string {
  if (!vary) return "accept-encoding";
  return vary.toLowerCase().includes("accept-encoding") ? vary : `${vary}, accept-encoding`;
}

/** The headers of a body sent in `encoding`, as @fastify/compress sets them. */
export function setEncodingHeaders(reply: FastifyReply, encoding: Encoding, length: number): void {
  const vary = reply.getHeader("vary");
  reply.header(
    "vary",
    varyWithEncoding(vary === undefined ? undefined : Array.isArray(vary) ? vary.join(", ") : String(vary)),
  );
  reply.header("content-encoding", encoding);
  reply.header("content-length", length);
}
