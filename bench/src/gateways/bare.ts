// The physical limit: a bare Node HTTP server answering every POST with the reference response's bytes.
// No GraphQL at all; what is left is HTTP, the 87 KB body and the load generator.
//   BODY_FILE=<file> PORT=<port> tsx bare.ts
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const body = readFileSync(process.env.BODY_FILE ?? "");
const server = createServer((request, response) => {
  request.resume();
  request.on("end", () => response.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 4000), "127.0.0.1", () => console.log("READY"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
