import { forbidden, unauthenticated } from "./errors.ts";
import type { Viewer } from "./user-token.ts";

/** Authorization lives in the subgraphs, next to the data it protects; these are its two building blocks. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function requireAdmin(viewer: Viewer | null): Viewer {
  const signedIn = requireViewer(viewer);
  if (signedIn.role !== "ADMIN") throw forbidden("Only admins can do this.");
  return signedIn;
}

/** The owner of a resource, or an admin. */
export function canAccess(viewer: Viewer | null, ownerId: string): boolean {
  return viewer !== null && (viewer.userId === ownerId || viewer.role === "ADMIN");
}

/**
 * Internal (service-to-service) fields: only the named services may call them. The router never can,
 * so a client cannot reach them even if they were not already hidden from the public schema.
 */
export function requireCaller(caller: string, allowed: readonly string[]): void {
  if (!allowed.includes(caller)) throw forbidden("This field is for internal services only.");
}
