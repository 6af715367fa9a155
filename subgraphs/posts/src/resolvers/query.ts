import { decodeCursor, isUuid, toConnection, validate } from "@supergraph/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { GraphQLResolveInfo } from "graphql";
import { canRead, privateIf } from "../rules/visibility.ts";

const postsArgs = z.object({
  first: z.number().int().min(1, "must be between 1 and 100").max(100, "must be between 1 and 100").nullish(),
  after: z.string().max(200).nullish(),
  authorId: z.string().nullish(),
});

export const Query = {
  async post(_: unknown, { id }: { id: string }, { viewer, loaders }: Context, info: GraphQLResolveInfo) {
    const post = await loaders.postById.load(id);
    privateIf(info, post !== null && !post.published);
    return post && canRead(viewer, post) ? post : null;
  },

  async posts(_: unknown, args: unknown, { db, viewer }: Context, info: GraphQLResolveInfo) {
    const { first, after, authorId } = validate(postsArgs, args);
    const limit = first ?? 20;
    if (authorId && !isUuid(authorId)) return toConnection([], limit, 0);
    const includeDrafts = viewer !== null && (viewer.role === "ADMIN" || viewer.userId === authorId);
    privateIf(info, includeDrafts);
    const filter: Prisma.PostWhereInput = {
      ...(authorId ? { authorId } : {}),
      ...(includeDrafts ? {} : { published: true }),
    };
    const position = after ? decodeCursor(after) : null;
    // Newest first: rows strictly before (created_at, id).
    const page: Prisma.PostWhereInput = position
      ? { OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }] }
      : {};
    const [rows, totalCount] = await Promise.all([
      db.post.findMany({ where: { AND: [filter, page] }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 }),
      db.post.count({ where: filter }),
    ]);
    return toConnection(rows, limit, totalCount);
  },
};
