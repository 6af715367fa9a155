import { createByIdLoader } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";

/** Fresh loaders per request: batching within the request, no cache shared across users. */
export function createLoaders(db: Db) {
  return {
    userById: createByIdLoader((ids) => db.user.findMany({ where: { id: { in: ids } } })),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
