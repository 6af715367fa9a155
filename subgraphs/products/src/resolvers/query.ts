import { validate } from "@supergraph/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import { decodeCursor, encodeCursor } from "../data/cursor.ts";
import type { Prisma } from "../generated/prisma/client.ts";

const productsArgs = z.object({
  first: z.number().int().min(1, "must be between 1 and 100").max(100, "must be between 1 and 100").nullish(),
  after: z.string().max(200).nullish(),
  search: z.string().trim().max(100, "must be at most 100 characters").nullish(),
});

export const Query = {
  product: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.productById.load(id),

  async products(_: unknown, args: unknown, { db }: Context) {
    const { first, after, search } = validate(productsArgs, args);
    const limit = first ?? 20;
    const filter: Prisma.ProductWhereInput = search
      ? { OR: [{ name: { contains: search, mode: "insensitive" } }, { sku: { contains: search, mode: "insensitive" } }] }
      : {};
    const position = after ? decodeCursor(after) : null;
    // Keyset pagination: rows strictly after (created_at, id). Unlike OFFSET, it stays correct while rows
    // are added or deleted between pages, and costs the same on page 1 and page 1000.
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
    const nodes = rows.slice(0, limit);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(node), node }));
    return {
      edges,
      totalCount,
      pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    };
  },
};
