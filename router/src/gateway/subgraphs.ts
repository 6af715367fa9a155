/**
 * The subgraphs the router composes and routes to. Adding a subgraph: add it here (its schema file and
 * default URL), run `npm run compose`, and commit the new `supergraph.graphql`.
 */
export const SUBGRAPHS = [
  { name: "users", schema: "subgraphs/users/schema.graphql", defaultPort: 4001 },
  { name: "products", schema: "subgraphs/products/schema.graphql", defaultPort: 4002 },
  { name: "orders", schema: "subgraphs/orders/schema.graphql", defaultPort: 4003 },
  { name: "posts", schema: "subgraphs/posts/schema.graphql", defaultPort: 4004 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]["name"];

export const defaultSubgraphUrl = (port: number) => `http://127.0.0.1:${port}/graphql`;
