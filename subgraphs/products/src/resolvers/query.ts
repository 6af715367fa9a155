import { decodeCursor, isUuid, requireCaller, toConnection, validate } from "@supergraph/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import type { Prisma } from "../generated/prisma/client.ts";

const productsArgs = z.object({
  first: z.number().int().min(1, "must be between 1 and 100").max(100, "must be between 1 and 100").nullish(),
  after: z.string().max(200).nullish(),
  search: z.string().trim().max(100, "must be at most 100 characters").nullish(),
});

export const Query = {
  async existingProductIds(_: unknown, { ids }: { ids: string[] }, { db, caller }: Context) {
    requireCaller(caller, ["posts", "orders"]);
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await db.product.findMany({ where: { id: { in: valid }, deletedAt: null }, select: { id: true } });
    return rows.map((row) => row.id);
  },

  product: async (_: unknown, { id }: { id: string }, { loaders }: Context) => {
    const product = await loaders.productById.load(id);
    return product && !product.deletedAt ? product : null;
  },

  async products(_: unknown, args: unknown, { db }: Context) {
    const { first, after, search } = validate(productsArgs, args);
    const limit = first ?? 20;
    // Prisma's `contains` is ILIKE '%…%' and passes LIKE's wildcards (% and _) through: escaped, they
    // match themselves (backslash is Postgres's default LIKE escape).
    const pattern = search?.replace(/[\\%_]/g, "\\$&");
    const filter: Prisma.ProductWhereInput = {
      deletedAt: null,
      ...(pattern
        ? { OR: [{ name: { contains: pattern, mode: "insensitive" } }, { sku: { contains: pattern, mode: "insensitive" } }] }
        : {}),
    };
    const position = after ? decodeCursor(after) : null;
    // Keyset pagination: rows strictly after (created_at, id).
    const page: Prisma.ProductWhereInput = position
      ? {
          OR: [
            { createdAt: { gt: position.createdAt } },
            { createdAt: position.createdAt, id: { gt: position.id } },
          ],
        }
      : {};
    const [rows, totalCount] = await Promise.all([
      db.product.findMany({
        where: { AND: [filter, page] },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: limit + 1,
      }),
      db.product.count({ where: filter }),
    ]);
    return toConnection(rows, limit, totalCount);
  },
};
