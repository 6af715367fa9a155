import { checkedTogether, parseConfig } from "@supergraph/kit/runtime";
import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { defaultPort, defaultUrl } from "@supergraph/registry";
import { z } from "zod";

export const env = z.object({
  /** The products subgraph, called directly (not through the router) to reserve and release stock. */
  PRODUCTS_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).default(defaultUrl("products")),
  /** Each stock call's timeout; a timed-out reservation is retried (it is idempotent). */
  STOCK_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  STOCK_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(3),
});

export interface OrdersConfig extends SubgraphConfig {
  productsUrl: string;
  stockTimeoutMs: number;
  stockAttempts: number;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const [raw, base] = checkedTogether(
    () => parseConfig("the orders subgraph", env, source),
    () => loadSubgraphConfig("orders", defaultPort("orders"), source),
  );
  return {
    ...base,
    productsUrl: raw.PRODUCTS_URL,
    stockTimeoutMs: raw.STOCK_TIMEOUT_MS,
    stockAttempts: raw.STOCK_ATTEMPTS,
  };
}
