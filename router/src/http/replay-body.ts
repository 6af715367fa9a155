import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";

const REPLAY = Symbol("body read in front of Fastify");
type Replayable = IncomingMessage & { [REPLAY]?: Buffer };

/** Hands a body the cache-hit lane has already read on to Fastify, which parses it as if it had read it. */
export function replayBody(request: IncomingMessage, body: Buffer): void {
  (request as Replayable)[REPLAY] = body;
}

/** Fastify's side of `replayBody`: a replayed body is parsed in place of the stream it was read from. */
export function parseReplayedBodies(app: FastifyInstance): void {
  // Callback form: an async hook costs a promise and a microtask turn per request.
  app.addHook("preParsing", (request, _reply, payload, done) => {
    const body = (request.raw as Replayable)[REPLAY];
    done(null, body ? Readable.from([body]) : payload);
  });
}
