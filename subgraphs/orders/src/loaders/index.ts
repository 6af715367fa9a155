import { createByIdLoader, createGroupLoader } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";

/** Fresh loaders per request: one SQL statement per batch, whatever the number of orders or buyers. */
export function createLoaders(db: Db) {
  return {
    orderById: createByIdLoader((ids) => db.order.findMany({ where: { id: { in: ids } } })),
    ordersByBuyer: createGroupLoader(
      (buyerIds: string[]) =>
        db.order.findMany({ where: { buyerId: { in: buyerIds } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),
      (order) => order.buyerId,
    ),
    itemsByOrder: createGroupLoader(
      (orderIds: string[]) =>
        db.orderItem.findMany({ where: { orderId: { in: orderIds } }, orderBy: { position: "asc" } }),
      (item) => item.orderId,
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
