import { canAccess } from "@supergraph/kit";
import type { Context } from "../context.ts";
import type { Post } from "../generated/prisma/client.ts";
import type { GraphQLResolveInfo } from "graphql";
import { canRead, privateIf } from "../rules/visibility.ts";

export const PostResolvers = {
  // Federation calls this with (reference, context, info); typed loosely to fit the resolver map's type.
  async __resolveReference(reference: { id: string }, { viewer, loaders }: Context, info: unknown) {
    const post = await loaders.postById.load(reference.id);
    privateIf(info as GraphQLResolveInfo, post !== null && !post.published);
    return post && canRead(viewer, post) ? post : null;
  },
  author: (post: Post) => ({ __typename: "User", id: post.authorId }),
  products: async (post: Post, _args: unknown, { loaders }: Context) =>
    (await loaders.productIdsByPost.load(post.id)).map((link) => ({ __typename: "Product", id: link.productId })),
  createdAt: (post: Post) => post.createdAt.toISOString(),
  updatedAt: (post: Post) => post.updatedAt.toISOString(),
};

export const UserResolvers = {
  async posts(user: { id: string }, _args: unknown, { viewer, loaders }: Context, info: GraphQLResolveInfo) {
    const posts = await loaders.postsByAuthor.load(user.id);
    privateIf(info, canAccess(viewer, user.id));
    return canAccess(viewer, user.id) ? posts : posts.filter((post) => post.published);
  },
};

export const ProductResolvers = {
  posts: async (product: { id: string }, _args: unknown, { loaders }: Context) =>
    (await loaders.publishedPostsByProduct.load(product.id)).map((row) => row.post),
};
