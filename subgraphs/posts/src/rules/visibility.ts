import { maybeCacheControlFromInfo } from "@apollo/cache-control-types";
import type { Viewer } from "@supergraph/kit/runtime";
import { canAccess } from "@supergraph/kit/subgraph";
import type { GraphQLResolveInfo } from "graphql";
import type { Post } from "../generated/prisma/client.ts";

/** Published posts are public; drafts are for their author and admins. */
export const canRead = (viewer: Viewer | null, post: Post) => post.published || canAccess(viewer, post.authorId);

/**
 * A result that depends on who is asking (it holds drafts only this viewer may see) must be cached per
 * user, never shared: this marks the whole response PRIVATE.
 */
export function privateIf(info: GraphQLResolveInfo, viewerSpecific: boolean): void {
  if (viewerSpecific) maybeCacheControlFromInfo(info)?.setCacheHint({ scope: "PRIVATE" });
}
