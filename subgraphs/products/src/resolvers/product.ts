import type { ProductResolvers as ProductFields } from "../generated/resolvers.ts";

export const ProductResolvers = {
  __resolveReference: (reference, context) => context.loaders.productById.load(reference.id),
  createdAt: (product) => product.createdAt.toISOString(),
} satisfies ProductFields;
