import { checkedTogether, parseConfig } from "@supergraph/kit/runtime";
import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { defaultPort, defaultUrl } from "@supergraph/registry";
import { z } from "zod";

export const env = z.object({
  /** The products subgraph, asked directly which product ids exist when a post names products. */
  PRODUCTS_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).default(defaultUrl("products")),
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
  const [raw, base] = checkedTogether(
    () => parseConfig("the posts subgraph", env, source),
    () => loadSubgraphConfig("posts", defaultPort("posts"), source),
  );
  return {
    ...base,
    productsUrl: raw.PRODUCTS_URL,
    productsTimeoutMs: raw.PRODUCT_LOOKUP_TIMEOUT_MS,
  };
}
