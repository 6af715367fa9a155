import type { InternalIdentity, InvalidationContext, Viewer } from "@supergraph/kit";
import type { ProductsConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Context extends InvalidationContext {
  db: Db;
  config: ProductsConfig;
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  /** Who sent the request: "router", or a sibling service calling the internal API. */
  caller: string;
  loaders: Loaders;
}

export function createContext(db: Db, config: ProductsConfig, identity: InternalIdentity): Context {
  return { db, config, viewer: identity.viewer, caller: identity.caller, loaders: createLoaders(db), invalidations: new Set() };
}
