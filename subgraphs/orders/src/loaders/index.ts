import { createByIdLoader, createGroupLoader, createSliceLoader, type SliceKey } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";
import { newestOrdersByBuyer } from "../data/newest-orders.ts";

/** Fresh loaders per request: one SQL statement per batch, whatever the number of orders or buyers. */
export function createLoaders(db: Db) {
  return {
    orderById: createByIdLoader((ids) => db.order.findMany({ where: { id: { in: ids } } })),
    /** Each buyer's newest orders. */
    ordersByBuyer: createSliceLoader((keys: SliceKey[]) => newestOrdersByBuyer(db, keys)),
    itemsByOrder: createGroupLoader(
      (orderIds: string[]) =>
        db.orderItem.findMany({ where: { orderId: { in: orderIds } }, orderBy: { position: "asc" } }),
      (item) => item.orderId,
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
