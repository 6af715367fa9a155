import { canAccess, type Viewer } from "@supergraph/kit";
import type { Post } from "../generated/prisma/client.ts";

/** Published posts are public; drafts are for their author and admins. */
export const canRead = (viewer: Viewer | null, post: Post) => post.published || canAccess(viewer, post.authorId);
