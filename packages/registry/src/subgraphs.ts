// The subgraphs of the supergraph, one line each, in start order (a subgraph after those it `calls`).
// `npm run new:subgraph <name>` adds a line here; everything else (router, dev, tests, bench, deploy
// checks) reads this list. `calls`: subgraphs it calls directly, not through the router; it gets their
// `<NAME>_URL`, and their NetworkPolicy lets it in.
export const SUBGRAPHS = [
  { name: "users", port: 4001, calls: [] },
  { name: "products", port: 4002, calls: [] },
  { name: "orders", port: 4003, calls: ["products"] },
  { name: "posts", port: 4004, calls: ["products"] },
] as const;
