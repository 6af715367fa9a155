import type { Context } from "../context.ts";
import type { Product } from "../generated/prisma/client.ts";

export const ProductResolvers = {
  __resolveReference: (reference: { id: string }, context: Context) =>
    context.loaders.productById.load(reference.id),
  createdAt: (product: Product) => product.createdAt.toISOString(),
};
