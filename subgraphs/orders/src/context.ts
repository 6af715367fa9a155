import type { Logger, Viewer } from "@supergraph/kit/runtime";
import type { InternalIdentity, InvalidationContext } from "@supergraph/kit/subgraph";
import type { StockClient } from "./clients/stock.ts";
import type { OrdersConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import type { Events } from "./events/index.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";
import type { BuyerQueue } from "./rules/open-orders.ts";

/** What a request's context is made from: made once per process (see index.ts). */
export interface Deps {
  db: Db;
  config: OrdersConfig;
  stock: StockClient;
  logger: Logger;
  events: Events;
  /** Each buyer's orders, placed one at a time in this process (see rules/open-orders.ts). */
  placing: BuyerQueue;
}

export interface Context extends Deps, InvalidationContext {
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  loaders: Loaders;
}

export function createContext(deps: Deps, identity: InternalIdentity): Context {
  return { ...deps, viewer: identity.viewer, loaders: createLoaders(deps.db), invalidations: new Set() };
}
