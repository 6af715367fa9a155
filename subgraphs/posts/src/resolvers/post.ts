import { canAccess } from "@supergraph/kit/subgraph";
import type {
  PostResolvers as PostFields,
  ProductResolvers as ProductFields,
  UserResolvers as UserFields,
} from "../generated/resolvers.ts";
import { canRead, privateIf } from "../rules/visibility.ts";

export const PostResolvers = {
  async __resolveReference(reference, { viewer, loaders }, info) {
    const post = await loaders.postById.load(reference.id);
    privateIf(info, post !== null && !post.published);
    return post && canRead(viewer, post) ? post : null;
  },
  author: (post) => ({ __typename: "User", id: post.authorId }),
  products: async (post, _args, { loaders }) =>
    (await loaders.productIdsByPost.load(post.id)).map((link) => ({ __typename: "Product", id: link.productId })),
  createdAt: (post) => post.createdAt.toISOString(),
  updatedAt: (post) => post.updatedAt.toISOString(),
} satisfies PostFields;

export const UserResolvers = {
  async posts(user, _args, { viewer, loaders }, info) {
    const posts = await loaders.postsByAuthor.load(user.id);
    privateIf(info, canAccess(viewer, user.id));
    return canAccess(viewer, user.id) ? posts : posts.filter((post) => post.published);
  },
} satisfies UserFields;

export const ProductResolvers = {
  posts: async (product, _args, { loaders }) =>
    (await loaders.publishedPostsByProduct.load(product.id)).map((row) => row.post),
} satisfies ProductFields;
