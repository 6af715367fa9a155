import { parseConfig } from "@supergraph/kit/runtime";
import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { z } from "zod";

const env = z.object({
  /** The products subgraph, asked directly which product ids exist when a post names products. */
  PRODUCTS_URL: z.url().default("http://127.0.0.1:4002/graphql"),
  /**
   * Not PRODUCTS_TIMEOUT_MS: that is the router's timeout for the products subgraph (`<NAME>_TIMEOUT_MS`),
   * and one ConfigMap (deploy/k8s) holds the settings of every service.
   */
  PRODUCT_LOOKUP_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
});

export interface PostsConfig extends SubgraphConfig {
  productsUrl: string;
  productsTimeoutMs: number;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): PostsConfig {
  const raw = parseConfig("the posts subgraph", env, source);
  return {
    ...loadSubgraphConfig("posts", 4004, source),
    productsUrl: raw.PRODUCTS_URL,
    productsTimeoutMs: raw.PRODUCT_LOOKUP_TIMEOUT_MS,
  };
}
