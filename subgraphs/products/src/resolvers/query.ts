import { connectionArgs, isUuid, keysetConnection, requireCaller, validate } from "@supergraph/kit/subgraph";
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import type { QueryResolvers } from "../generated/resolvers.ts";

const productsArgs = connectionArgs.extend({
  search: z.string().trim().max(100, "must be at most 100 characters").nullish(),
});

export const Query = {
  async existingProductIds(_, { ids }, { db, caller }) {
    requireCaller(caller, ["posts", "orders"]);
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await db.product.findMany({ where: { id: { in: valid }, deletedAt: null }, select: { id: true } });
    return rows.map((row) => row.id);
  },

  product: async (_, { id }, { loaders }) => {
    const product = await loaders.productById.load(id);
    return product && !product.deletedAt ? product : null;
  },

  async products(_, args, { db }) {
    const { search, ...page } = validate(productsArgs, args);
    // Prisma's `contains` is ILIKE '%…%' and passes LIKE's wildcards (% and _) through: escaped, they
    // match themselves (backslash is Postgres's default LIKE escape).
    const pattern = search?.replace(/[\\%_]/g, "\\$&");
    const filter: Prisma.ProductWhereInput = {
      deletedAt: null,
      ...(pattern
        ? {
            OR: [
              { name: { contains: pattern, mode: "insensitive" } },
              { sku: { contains: pattern, mode: "insensitive" } },
            ],
          }
        : {}),
    };
    return keysetConnection(page, "asc", {
      rows: ({ where, orderBy, take }) => db.product.findMany({ where: { AND: [filter, where] }, orderBy, take }),
      count: () => db.product.count({ where: filter }),
    });
  },
} satisfies QueryResolvers;
