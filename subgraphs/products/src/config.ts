import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { defaultPort } from "@supergraph/registry";

export type ProductsConfig = SubgraphConfig;

export function loadConfig(source: NodeJS.ProcessEnv = process.env): ProductsConfig {
  return loadSubgraphConfig("products", defaultPort("products"), source);
}
