import { maybeCacheControlFromInfo } from "@apollo/cache-control-types";
import type { Viewer } from "@supergraph/kit/runtime";
import { canAccess } from "@supergraph/kit/subgraph";
import type { GraphQLResolveInfo } from "graphql";
import type { Post } from "../generated/prisma/client.ts";

/** Published posts are public; drafts are for their author and admins. */
export const canRead = (viewer: Viewer | null, post: Post) => post.published || canAccess(viewer, post.authorId);

/**
 * A result that depends on who is asking beyond their role must be cached per user, never shared: this
 * marks the whole response PRIVATE. (A public response is shared by every caller of one role, the
 * anonymous being one: the router's response cache.) So are an author's posts read by anyone signed in,
 * who may be that author and see drafts, and any draft.
 */
export function privateIf(info: GraphQLResolveInfo, viewerSpecific: boolean): void {
  if (viewerSpecific) maybeCacheControlFromInfo(info)?.setCacheHint({ scope: "PRIVATE" });
}
