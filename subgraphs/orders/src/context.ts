import type { InternalIdentity, InvalidationContext, Logger, Viewer } from "@supergraph/kit";
import type { OrdersConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import type { StockClient } from "./data/stock.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Context extends InvalidationContext {
  db: Db;
  config: OrdersConfig;
  stock: StockClient;
  logger: Logger;
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  loaders: Loaders;
}

export function createContext(
  deps: { db: Db; config: OrdersConfig; stock: StockClient; logger: Logger },
  identity: InternalIdentity,
): Context {
  return { ...deps, viewer: identity.viewer, loaders: createLoaders(deps.db), invalidations: new Set() };
}
