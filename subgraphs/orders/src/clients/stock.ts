import { type CallOptions, createServiceClient, ServiceUnreachableError } from "@supergraph/kit/subgraph";
import type { OrdersConfig } from "../config.ts";

export interface ReservedLine {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

const RESERVE = `mutation Reserve($orderId: ID!, $lines: [StockLineInput!]!) {
  reserveStock(orderId: $orderId, lines: $lines) { lines { productId quantity unitPriceCents } }
}`;
const RELEASE = `mutation Release($orderId: ID!) { releaseStock(orderId: $orderId) { released } }`;

/**
 * The orders side of the stock contract with the products subgraph, called service to service (never
 * through the public graph). Both calls are idempotent per order id on the products side, which is what
 * makes retrying them safe: a reservation retried after a timeout never takes stock twice, and a release
 * puts it back exactly once however often it is sent.
 */
export function createStockClient(config: OrdersConfig) {
  const call = createServiceClient({
    caller: "orders",
    target: "products",
    url: config.productsUrl,
    internalTokenSecret: config.internalTokenSecret,
    timeoutMs: config.stockTimeoutMs,
  });

  /** Retries only when the products service did not answer (and before `deadline`); a coded refusal is final. */
  async function withRetries<T>(operation: () => Promise<T>, deadline = Number.POSITIVE_INFINITY): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!(error instanceof ServiceUnreachableError) || attempt >= config.stockAttempts) throw error;
        const pause = 100 * 2 ** attempt;
        if (Date.now() + pause >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  return {
    reserve: (orderId: string, lines: Array<{ productId: string; quantity: number }>, options?: CallOptions) =>
      withRetries(
        () => call<{ reserveStock: { lines: ReservedLine[] } }>(RESERVE, { orderId, lines }, options),
        options?.deadline,
      ).then((data) => data.reserveStock.lines),
    release: (orderId: string, options?: CallOptions) =>
      withRetries(() => call<{ releaseStock: { released: boolean } }>(RELEASE, { orderId }, options)).then(
        () => undefined,
      ),
  };
}
export type StockClient = ReturnType<typeof createStockClient>;
