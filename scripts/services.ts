import { entryPath, SUBGRAPHS } from "@supergraph/registry";

// The processes of the supergraph, in start order, for the root scripts (dev, db:migrate, db:seed).
export const SUBGRAPH_NAMES = SUBGRAPHS.map((subgraph) => subgraph.name);

export const subgraphEntry = entryPath;
export const ROUTER_ENTRY = "router/src/main.ts";
