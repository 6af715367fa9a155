import { connectionArgs, emptyConnection, isUuid, keysetConnection, validate } from "@supergraph/kit/subgraph";
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import type { QueryResolvers } from "../generated/resolvers.ts";
import { canRead, privateIf } from "../rules/visibility.ts";

const postsArgs = connectionArgs.extend({
  authorId: z.string().nullish(),
  productId: z.string().nullish(),
});

export const Query = {
  async post(_, { id }, { viewer, loaders }, info) {
    const post = await loaders.postById.load(id);
    privateIf(info, post !== null && !post.published);
    return post && canRead(viewer, post) ? post : null;
  },

  async posts(_, args, { db, viewer }, info) {
    const { authorId, productId, ...page } = validate(postsArgs, args);
    // An id that is no id names no author or product: no posts, as for an unknown one.
    if ((authorId != null && !isUuid(authorId)) || (productId != null && !isUuid(productId))) return emptyConnection();
    const includeDrafts = viewer !== null && (viewer.role === "ADMIN" || viewer.userId === authorId?.toLowerCase());
    // A signed-in reader of an author's posts may be that author: the answer depends on who they are.
    privateIf(info, includeDrafts || (viewer !== null && authorId != null));
    const filter: Prisma.PostWhereInput = {
      ...(authorId ? { authorId } : {}),
      ...(productId ? { products: { some: { productId } } } : {}),
      ...(includeDrafts ? {} : { published: true }),
    };
    return keysetConnection(page, "desc", {
      rows: ({ where, orderBy, take }) => db.post.findMany({ where: { AND: [filter, where] }, orderBy, take }),
      count: () => db.post.count({ where: filter }),
    });
  },
} satisfies QueryResolvers;
