import { createByIdLoader } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";

/** Fresh loaders per request: batching within the request, no cache shared across users. */
export function createLoaders(db: Db) {
  return {
    // Includes deleted products: past orders and posts still refer to them. Public reads filter them out.
    productById: createByIdLoader((ids) => db.product.findMany({ where: { id: { in: ids } } })),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
