import { checkedTogether, parseConfig } from "@supergraph/kit/runtime";
import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { defaultPort, defaultUrl } from "@supergraph/registry";
import { z } from "zod";
import type { OpenOrderLimits } from "./rules/open-orders.ts";

export const env = z.object({
  /** The products subgraph, called directly (not through the router) to reserve and release stock. */
  PRODUCTS_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).default(defaultUrl("products")),
  /** Each stock call's timeout; a timed-out reservation is retried (it is idempotent). */
  STOCK_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  STOCK_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(3),
  /**
   * The most placeOrder takes to place an order, from its arrival: past it nothing is ordered. Shorter than
   * the router's timeout for orders (ORDERS_TIMEOUT_MS, 10 s by default), so that an order the router gave
   * up on (and its client may place again) is never placed after all.
   */
  PLACE_ORDER_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  /** A buyer's orders waiting to ship (PLACED) at once: more is CONFLICT, so one account cannot hold the stock. */
  MAX_OPEN_ORDERS: z.coerce.number().int().positive().default(10),
  /** Units of one product a buyer's open orders may hold together (one line holds at most 100). */
  MAX_OPEN_QUANTITY: z.coerce.number().int().positive().default(100),
});

export interface OrdersConfig extends SubgraphConfig {
  productsUrl: string;
  stockTimeoutMs: number;
  stockAttempts: number;
  placeOrderTimeoutMs: number;
  /** What one buyer's open orders may hold at once (see rules/place-order.ts). */
  openOrders: OpenOrderLimits;
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
    placeOrderTimeoutMs: raw.PLACE_ORDER_TIMEOUT_MS,
    openOrders: { maxOrders: raw.MAX_OPEN_ORDERS, maxQuantity: raw.MAX_OPEN_QUANTITY },
  };
}
