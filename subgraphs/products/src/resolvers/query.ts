import { connectionArgs, isUuid, keysetConnection, requireCaller, validate } from "@supergraph/kit/subgraph";
import { z } from "zod";
import type { Prisma } from "../generated/prisma/client.ts";
import type { QueryResolvers } from "../generated/resolvers.ts";

const productsArgs = connectionArgs.extend({
  search: z.string().trim().max(100, "must be at most 100 characters").nullish(),
});

// Bounded as every list is (its @listSize says 100): posts asks about a post's products, at most 20.
const existingIds = z.array(z.string()).max(100, "at most 100 ids");

export const Query = {
  async existingProductIds(_, args, { db, caller }) {
    requireCaller(caller, ["posts"]);
    const valid = validate(existingIds, args.ids, "ids").filter(isUuid);
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
