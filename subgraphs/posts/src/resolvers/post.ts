import { canAccess, sliceArgs } from "@supergraph/kit/subgraph";
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
  posts(user, args, { viewer, loaders }, info) {
    const slice = sliceArgs(args);
    // Drafts are filtered in the query, before the limit: a reader gets up to `first` posts they may see.
    const drafts = canAccess(viewer, user.id);
    // A signed-in reader may be this author: the answer depends on who they are, drafts or not.
    privateIf(info, viewer !== null);
    return loaders.postsByAuthor.load({ id: user.id, ...slice, drafts });
  },
} satisfies UserFields;

export const ProductResolvers = {
  posts: (product, args, { loaders }) => loaders.publishedPostsByProduct.load({ id: product.id, ...sliceArgs(args) }),
} satisfies ProductFields;
