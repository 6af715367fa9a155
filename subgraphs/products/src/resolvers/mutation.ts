import { badUserInput, isUuid, notFound, requireAdmin, validate } from "@supergraph/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import { Prisma } from "../generated/prisma/client.ts";

const name = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const description = z.string().max(5000, "must be at most 5000 characters");
const priceCents = z.number().int().min(0, "must not be negative").max(100_000_000, "is too large");
const stock = z.number().int().min(0, "must not be negative").max(1_000_000, "is too large");

const createInput = z.object({
  sku: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1–64 letters, digits, dashes or underscores"),
  name,
  description: description.nullish().transform((value) => value ?? ""),
  priceCents,
  stock,
});
const updateInput = z.object({
  name: name.nullish().transform((value) => value ?? undefined),
  description: description.nullish().transform((value) => value ?? undefined),
  priceCents: priceCents.nullish().transform((value) => value ?? undefined),
  stock: stock.nullish().transform((value) => value ?? undefined),
});

function isPrismaError(error: unknown, code: string): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}

export const Mutation = {
  async createProduct(_: unknown, args: { input: unknown }, { db, viewer }: Context) {
    requireAdmin(viewer);
    const input = validate(createInput, args.input, "input");
    try {
      return await db.product.create({ data: input });
    } catch (error) {
      if (isPrismaError(error, "P2002")) throw badUserInput(`SKU ${JSON.stringify(input.sku)} is already used.`, "input.sku");
      throw error;
    }
  },

  async updateProduct(_: unknown, args: { id: string; input: unknown }, { db, viewer }: Context) {
    requireAdmin(viewer);
    const input = validate(updateInput, args.input, "input");
    if (!isUuid(args.id)) throw notFound("Product", args.id);
    try {
      return await db.product.update({ where: { id: args.id }, data: input });
    } catch (error) {
      if (isPrismaError(error, "P2025")) throw notFound("Product", args.id);
      throw error;
    }
  },

  async deleteProduct(_: unknown, args: { id: string }, { db, viewer }: Context) {
    requireAdmin(viewer);
    if (!isUuid(args.id)) throw notFound("Product", args.id);
    try {
      return await db.product.delete({ where: { id: args.id } });
    } catch (error) {
      if (isPrismaError(error, "P2025")) throw notFound("Product", args.id);
      throw error;
    }
  },
};
