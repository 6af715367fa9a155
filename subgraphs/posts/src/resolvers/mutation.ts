import {
  badUserInput,
  canAccess,
  entityTag,
  forbidden,
  invalidate,
  notFound,
  requireViewer,
  uuidId,
  validate,
} from "@supergraph/kit/subgraph";
import { z } from "zod";
import type { Context } from "../context.ts";
import type { MutationResolvers } from "../generated/resolvers.ts";

const title = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const body = z.string().max(20_000, "must be at most 20000 characters");
const productIds = z
  // In lower case, as the database gives ids back (a UUID may come in either case): links are unique by it,
  // and postPublished's events are keyed by it. Not a UUID: no such product (and not echoed at any length).
  .array(uuidId("must be product ids"))
  .max(20, "at most 20 products")
  .transform((ids) => [...new Set(ids)]);

const createInput = z.object({
  title,
  body,
  productIds: productIds.nullish().transform((ids) => ids ?? []),
  published: z
    .boolean()
    .nullish()
    .transform((value) => value ?? false),
});
const updateInput = z.object({
  title: title.nullish().transform((value) => value ?? undefined),
  body: body.nullish().transform((value) => value ?? undefined),
  productIds: productIds.nullish().transform((ids) => ids ?? undefined),
  published: z
    .boolean()
    .nullish()
    .transform((value) => value ?? undefined),
});

/** Every named product must exist (asked of the products subgraph); otherwise nothing is written. */
async function checkProducts(context: Context, ids: string[]): Promise<void> {
  const existing = await context.products.existing(ids);
  const unknown = ids.filter((id) => !existing.has(id));
  if (unknown.length > 0) throw badUserInput(`Unknown product ids: ${unknown.join(", ")}.`, "input.productIds");
}

const links = (ids: string[]) => ids.map((productId, position) => ({ productId, position }));

/** After the write has committed: each product now showing the published post hears of it once. */
function announce(context: Context, postId: string, productIds: Iterable<string>): void {
  for (const productId of productIds) context.events.publish("postPublished", productId, { id: postId });
}

async function ownPost(context: Context, id: string) {
  const viewer = requireViewer(context.viewer);
  const post = await context.loaders.postById.load(id);
  if (!post) throw notFound("Post", id);
  if (!canAccess(viewer, post.authorId)) throw forbidden("Only the author and admins can change this post.");
  return post;
}

export const Mutation = {
  async createPost(_, args, context) {
    const viewer = requireViewer(context.viewer);
    const input = validate(createInput, args.input, "input");
    await checkProducts(context, input.productIds);
    const post = await context.db.post.create({
      data: {
        authorId: viewer.userId,
        title: input.title,
        body: input.body,
        published: input.published,
        products: { create: links(input.productIds) },
      },
    });
    invalidate(context, "Post");
    if (post.published) announce(context, post.id, input.productIds);
    return post;
  },

  async updatePost(_, args, context) {
    const post = await ownPost(context, args.id);
    const { productIds: ids, ...fields } = validate(updateInput, args.input, "input");
    if (ids) await checkProducts(context, ids);
    const linked = new Set(
      (await context.db.postProduct.findMany({ where: { postId: post.id }, select: { productId: true } })).map(
        (link) => link.productId,
      ),
    );
    // One transaction: the new fields and the new product list land together, or neither does.
    const updated = await context.db.post.update({
      where: { id: post.id },
      data: { ...fields, ...(ids ? { products: { deleteMany: {}, create: links(ids) } } : {}) },
    });
    // Publishing, unpublishing or re-linking moves the post in or out of lists (User.posts, Product.posts).
    const movesInLists = fields.published !== undefined || ids !== undefined;
    invalidate(context, entityTag("Post", post.id), ...(movesInLists ? ["Post"] : []));
    if (updated.published) {
      const products = ids ?? [...linked];
      // A draft just published: all its products; a published post: the products it is newly about.
      announce(context, post.id, post.published ? products.filter((id) => !linked.has(id)) : products);
    }
    return updated;
  },

  async deletePost(_, args, context) {
    const post = await ownPost(context, args.id);
    const deleted = await context.db.post.delete({ where: { id: post.id } });
    invalidate(context, entityTag("Post", post.id), "Post");
    return deleted;
  },
} satisfies MutationResolvers;
