// The physical limit: a bare Node HTTP server answering every POST with the reference response's bytes.
// No GraphQL at all; what is left is HTTP, the 87 KB body and the load generator.
//   BODY_FILE=<file> PORT=<port> [WORKERS=<n>] [ENCODING=br] tsx bare.ts
// ENCODING=br: the bytes brotli-compressed once, as the router compresses a cache entry (quality 4).
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { brotliCompressSync, constants } from "node:zlib";

// WORKERS=<n>: n such servers on one port (node:cluster), the all-core limit.
const workers = Number(process.env.WORKERS ?? 1);
if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  cluster.on("listening", () => {
    if (++listening === workers) console.log("READY");
  });
  for (let index = 0; index < workers; index++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    process.exit(0);
  });
} else {
  serve();
}

function serve() {
  const plain = readFileSync(process.env.BODY_FILE ?? "");
  const br = process.env.ENCODING === "br";
  const body = br ? brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }) : plain;
  const headers = {
    "content-type": "application/json",
    "content-length": body.length,
    ...(br ? { "content-encoding": "br" } : {}),
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200, headers).end(body));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 4000), "127.0.0.1", () => cluster.isWorker || console.log("READY"));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}
