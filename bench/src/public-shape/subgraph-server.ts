// One benchmark subgraph as a lean HTTP server (node:http + graphql-js, documents parsed and validated
// once): the subgraphs must not be the bottleneck when gateways are compared.
//   tsx subgraph-server.ts <accounts|products|inventory|reviews>
// Prints `LISTENING <port>`; GET /count answers how many GraphQL requests it has served.
import { createServer } from "node:http";
import { type DocumentNode, execute, parse, validate } from "graphql";
import { benchSchema } from "./subgraphs.ts";

const name = process.argv[2] ?? "";
const schema = benchSchema(name);
const documents = new Map<string, DocumentNode>();
let served = 0;

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/count") {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ served }));
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", async () => {
    served++;
    const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString()) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    let document = documents.get(query);
    if (!document) {
      document = parse(query);
      const errors = validate(schema, document);
      if (errors.length > 0) {
        response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ errors }));
        return;
      }
      documents.set(query, document);
    }
    const result = await execute({ schema, document, variableValues: variables, operationName });
    // Static, public data: the response cache in front may keep it for a minute.
    response
      .writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60, public" })
      .end(JSON.stringify(result));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`LISTENING ${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
