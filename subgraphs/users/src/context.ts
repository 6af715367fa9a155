import type { InternalIdentity, InvalidationContext, Viewer } from "@supergraph/kit";
import type { UsersConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Context extends InvalidationContext {
  db: Db;
  config: UsersConfig;
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  loaders: Loaders;
}

export function createContext(db: Db, config: UsersConfig, identity: InternalIdentity): Context {
  return { db, config, viewer: identity.viewer, loaders: createLoaders(db), invalidations: new Set() };
}
