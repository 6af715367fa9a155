import { z } from "zod";
import type { Db } from "../data/db.ts";
import { Prisma, type User } from "../generated/prisma/client.ts";
import { hashPassword } from "./passwords.ts";

export const accountEmail = z
  .email("must be a valid email address")
  .max(254)
  .transform((value) => value.toLowerCase());
export const accountPassword = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(200, "must be at most 200 characters");
export const accountName = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

export type AdminOutcome = "created" | "promoted" | "unchanged";

/** Why an admin could not be made; the message names the input to fix. */
export class AdminInputError extends Error {
  override name = "AdminInputError";
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new AdminInputError(`${what} ${result.error.issues[0]?.message ?? "is invalid"}`);
  return result.data;
}

/**
 * Makes `email` an ADMIN: creates the account (the password is needed only then), or promotes an existing
 * one, whose name and password stay as they are. Idempotent: an admin already is left unchanged.
 */
export async function createAdmin(
  db: Db,
  input: { email: string | undefined; name: string | undefined; password: () => Promise<string | undefined> },
  passwordHashCost: number,
): Promise<{ outcome: AdminOutcome; user: User }> {
  const email = parse(accountEmail, input.email ?? "", "the email");
  const existing = await db.user.findUnique({ where: { email } });
  if (existing?.role === "ADMIN") return { outcome: "unchanged", user: existing };
  if (existing)
    return { outcome: "promoted", user: await db.user.update({ where: { id: existing.id }, data: { role: "ADMIN" } }) };
  const name = parse(accountName, input.name ?? "Administrator", "the name");
  const password = parse(accountPassword, (await input.password()) ?? "", "the password");
  try {
    const passwordHash = await hashPassword(password, passwordHashCost);
    return { outcome: "created", user: await db.user.create({ data: { email, name, passwordHash, role: "ADMIN" } }) };
  } catch (error) {
    // Signed up meanwhile: promote that account instead (the unique index decides, as in signUp).
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return { outcome: "promoted", user: await db.user.update({ where: { email }, data: { role: "ADMIN" } }) };
    }
    throw error;
  }
}
