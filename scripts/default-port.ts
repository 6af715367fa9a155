// Prints a service's default port (the router's 4000, a subgraph's from the registry). The Dockerfile
// stores it in the image for its health check, which runs without the sources.
import { defaultPort } from "@supergraph/registry";

const [service] = process.argv.slice(2);
if (!service) {
  console.error("usage: tsx scripts/default-port.ts <router | subgraph name>");
  process.exit(64);
}
console.log(service === "router" ? 4000 : defaultPort(service));
