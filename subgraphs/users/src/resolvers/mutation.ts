import { appError, badUserInput, ErrorCode, invalidate, signUserToken, validate } from "@supergraph/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import { Prisma, type User } from "../generated/prisma/client.ts";
import { dummyHash, hashPassword, verifyPassword } from "../data/passwords.ts";
import { SELF_VIEW } from "./user.ts";

const email = z.email("must be a valid email address").max(254).transform((value) => value.toLowerCase());
const signUpInput = z.object({
  email,
  password: z.string().min(8, "must be at least 8 characters").max(200, "must be at most 200 characters"),
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
});

function authPayload(user: User, context: Context) {
  const token = signUserToken({ userId: user.id, role: user.role }, context.config.jwt);
  // The caller just proved who they are: the payload shows them their own account, email included.
  return { token, user: { ...user, [SELF_VIEW]: true } };
}

let unknownEmailHash: Promise<string> | undefined;

export const Mutation = {
  async signUp(_: unknown, args: { input: unknown }, context: Context) {
    const input = validate(signUpInput, args.input, "input");
    const passwordHash = await hashPassword(input.password, context.config.passwordHashCost);
    try {
      const user = await context.db.user.create({ data: { email: input.email, name: input.name, passwordHash } });
      invalidate(context, "User");
      return authPayload(user, context);
    } catch (error) {
      // The unique index decides, not a prior lookup: two concurrent sign-ups with one email cannot both win.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw badUserInput("An account with this email already exists.", "input.email");
      }
      throw error;
    }
  },

  async logIn(_: unknown, args: { email: string; password: string }, context: Context) {
    const parsed = email.safeParse(args.email);
    const user = parsed.success ? await context.db.user.findUnique({ where: { email: parsed.data } }) : null;
    // Same work and the same answer whether the email or the password is wrong: nothing tells which.
    unknownEmailHash ??= dummyHash(context.config.passwordHashCost);
    const valid = await verifyPassword(args.password, user?.passwordHash ?? (await unknownEmailHash));
    if (!user || !valid) throw appError(ErrorCode.UNAUTHENTICATED, "Wrong email or password.");
    return authPayload(user, context);
  },
};
