import type { Viewer } from "@supergraph/kit/runtime";
import type { InternalIdentity, InvalidationContext } from "@supergraph/kit/subgraph";
import type { ProductsConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import type { Events } from "./events/index.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

/** What a request's context is made from: made once per process (see index.ts). */
export interface Deps {
  db: Db;
  config: ProductsConfig;
  events: Events;
}

export interface Context extends Deps, InvalidationContext {
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  /** Who sent the request: "router", or a sibling service calling the internal API. */
  caller: string;
  loaders: Loaders;
}

export function createContext(deps: Deps, identity: InternalIdentity): Context {
  return {
    ...deps,
    viewer: identity.viewer,
    caller: identity.caller,
    loaders: createLoaders(deps.db),
    invalidations: new Set(),
  };
}
