import { SUBGRAPHS as REGISTRY, schemaPath } from "@supergraph/registry";

/**
 * The subgraphs the router composes and routes to, from the registry (packages/registry): adding a
 * subgraph is `npm run new:subgraph <name>`, which adds its line there and recomposes.
 */
export const SUBGRAPHS = REGISTRY.map((subgraph) => ({
  name: subgraph.name,
  schema: schemaPath(subgraph.name),
  defaultPort: subgraph.port,
}));

export type { SubgraphName } from "@supergraph/registry";

export const defaultSubgraphUrl = (port: number) => `http://127.0.0.1:${port}/graphql`;
