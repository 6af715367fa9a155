import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";

export type ProductsConfig = SubgraphConfig;

export function loadConfig(source: NodeJS.ProcessEnv = process.env): ProductsConfig {
  return loadSubgraphConfig("products", 4002, source);
}
