import { loadSubgraphConfig, parseConfig, type SubgraphConfig } from "@supergraph/kit";
import { z } from "zod";

const env = z.object({
  /** The products subgraph, asked directly which product ids exist when a post names products. */
  PRODUCTS_URL: z.url().default("http://127.0.0.1:4002/graphql"),
  PRODUCTS_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
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
    productsTimeoutMs: raw.PRODUCTS_TIMEOUT_MS,
  };
}
