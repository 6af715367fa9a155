import type { Viewer } from "@supergraph/kit/runtime";
import type { InternalIdentity, InvalidationContext } from "@supergraph/kit/subgraph";
import type { AuthGuard } from "./auth/guard.ts";
import type { UsersConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

/** What a request's context is made from: made once per process (see index.ts). */
export interface Deps {
  db: Db;
  config: UsersConfig;
  /** Log-in limits and password hash slots, shared by every request of this process. */
  guard: AuthGuard;
}

export interface Context extends Deps, InvalidationContext {
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  /** The end client's address, as the router signed it; undefined for calls that did not come through it. */
  clientIp: string | undefined;
  loaders: Loaders;
  /** Sessions and users this request revoked, reported to the router (auth/revocation-report.ts). */
  revocations: Set<string>;
}

export function createContext(deps: Deps, identity: InternalIdentity): Context {
  return {
    ...deps,
    viewer: identity.viewer,
    clientIp: identity.clientIp,
    loaders: createLoaders(deps.db),
    invalidations: new Set(),
    revocations: new Set(),
  };
}
