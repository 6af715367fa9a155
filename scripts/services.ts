// The processes of the supergraph, in start order, for the root scripts (dev, db:migrate, db:seed).
export const SUBGRAPH_NAMES = ["users", "products", "orders", "posts"] as const;

export const subgraphEntry = (name: string) => `subgraphs/${name}/src/main.ts`;
export const ROUTER_ENTRY = "router/src/main.ts";
