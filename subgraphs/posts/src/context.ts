import type { InternalIdentity, InvalidationContext, Viewer } from "@supergraph/kit";
import type { PostsConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import type { ProductsClient } from "./data/products.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Context extends InvalidationContext {
  db: Db;
  config: PostsConfig;
  products: ProductsClient;
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  loaders: Loaders;
}

export function createContext(deps: { db: Db; config: PostsConfig; products: ProductsClient }, identity: InternalIdentity): Context {
  return { ...deps, viewer: identity.viewer, loaders: createLoaders(deps.db), invalidations: new Set() };
}
