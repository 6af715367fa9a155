import type { InternalIdentity, InvalidationContext, Viewer } from "@supergraph/kit";
import type { AuthGuard } from "./auth/guard.ts";
import type { UsersConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Context extends InvalidationContext {
  db: Db;
  config: UsersConfig;
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  /** The end client's address, as the router signed it; undefined for calls that did not come through it. */
  clientIp: string | undefined;
  loaders: Loaders;
  /** Sessions and users this request revoked, reported to the router (auth/revocation-report.ts). */
  revocations: Set<string>;
  /** Log-in limits and password hash slots, shared by every request of this process. */
  guard: AuthGuard;
}

export function createContext(db: Db, config: UsersConfig, identity: InternalIdentity, guard: AuthGuard): Context {
  return { db, config, viewer: identity.viewer, clientIp: identity.clientIp, loaders: createLoaders(db), invalidations: new Set(), revocations: new Set(), guard };
}
