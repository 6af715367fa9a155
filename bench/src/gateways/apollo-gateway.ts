// The baseline: @apollo/gateway + @apollo/server as their documentation sets them up, nothing added.
//   tsx apollo-gateway.ts <supergraph file>    (PORT, default 4000)
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.argv[2] ?? "", "utf8") });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 4000), host: "127.0.0.1" },
});
console.log(`READY ${url}`);
