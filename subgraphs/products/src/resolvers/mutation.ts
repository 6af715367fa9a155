import {
  badUserInput,
  entityTag,
  invalidate,
  isUuid,
  notFound,
  requireAdmin,
  requireCaller,
  uuidId,
  validate,
} from "@supergraph/kit/subgraph";
import { z } from "zod";
import { releaseStock, reserveStock } from "../data/stock.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { MutationResolvers } from "../generated/resolvers.ts";

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

const stockLines = z
  .array(z.object({ productId: uuidId(), quantity: z.number().int().min(1).max(10_000) }))
  .min(1)
  .max(100)
  .refine((lines) => new Set(lines.map((line) => line.productId)).size === lines.length, "duplicate productId");

export const Mutation = {
  async reserveStock(_, args, { db, caller, events }) {
    requireCaller(caller, ["orders"]);
    if (!isUuid(args.orderId)) throw badUserInput("orderId must be a UUID.", "orderId");
    const reservation = await reserveStock(db, args.orderId, validate(stockLines, args.lines, "lines"));
    // After its transaction has committed; a repeated reservation announces the same stock again (harmless).
    for (const line of reservation.lines) events.publish("productUpdated", line.productId, { id: line.productId });
    return reservation;
  },

  async releaseStock(_, args, { db, caller, events }) {
    requireCaller(caller, ["orders"]);
    if (!isUuid(args.orderId)) throw badUserInput("orderId must be a UUID.", "orderId");
    const reservation = await releaseStock(db, args.orderId);
    for (const line of reservation.lines) events.publish("productUpdated", line.productId, { id: line.productId });
    return reservation;
  },

  async createProduct(_, args, context) {
    requireAdmin(context.viewer);
    const input = validate(createInput, args.input, "input");
    try {
      const product = await context.db.product.create({ data: input });
      invalidate(context, "Product");
      return product;
    } catch (error) {
      if (isPrismaError(error, "P2002"))
        throw badUserInput(`SKU ${JSON.stringify(input.sku)} is already used.`, "input.sku");
      throw error;
    }
  },

  async updateProduct(_, args, context) {
    requireAdmin(context.viewer);
    const input = validate(updateInput, args.input, "input");
    if (!isUuid(args.id)) throw notFound("Product", args.id);
    try {
      const product = await context.db.product.update({ where: { id: args.id, deletedAt: null }, data: input });
      // A new name can move the product in or out of searched lists; other fields change only itself.
      invalidate(context, entityTag("Product", product.id), ...(input.name !== undefined ? ["Product"] : []));
      context.events.publish("productUpdated", product.id, { id: product.id });
      return product;
    } catch (error) {
      if (isPrismaError(error, "P2025")) throw notFound("Product", args.id);
      throw error;
    }
  },

  async deleteProduct(_, args, context) {
    requireAdmin(context.viewer);
    if (!isUuid(args.id)) throw notFound("Product", args.id);
    try {
      // Soft delete: orders and posts keep referring to the product, so its row stays.
      const product = await context.db.product.update({
        where: { id: args.id, deletedAt: null },
        data: { deletedAt: new Date() },
      });
      invalidate(context, entityTag("Product", product.id), "Product");
      return product;
    } catch (error) {
      if (isPrismaError(error, "P2025")) throw notFound("Product", args.id);
      throw error;
    }
  },
} satisfies MutationResolvers;
