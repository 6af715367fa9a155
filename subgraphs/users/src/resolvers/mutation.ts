import { appError, badUserInput, ErrorCode, invalidate, signUserToken, validate } from "@supergraph/kit";
import { z } from "zod";
import type { Context } from "../context.ts";
import { accountEmail as email, accountName, accountPassword } from "../data/accounts.ts";
import { Prisma, type User } from "../generated/prisma/client.ts";
import { hashPassword, verifyPassword } from "../data/passwords.ts";
import { SELF_VIEW } from "./user.ts";

const signUpInput = z.object({ email, password: accountPassword, name: accountName });

function authPayload(user: User, context: Context) {
  const token = signUserToken({ userId: user.id, role: user.role }, context.config.jwt);
  // The caller just proved who they are: the payload shows them their own account, email included.
  return { token, user: { ...user, [SELF_VIEW]: true } };
}

export const Mutation = {
  async signUp(_: unknown, args: { input: unknown }, context: Context) {
    const input = validate(signUpInput, args.input, "input");
    const passwordHash = await context.guard.hash("signUp", () => hashPassword(input.password, context.config.passwordHashCost));
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
    // Limits first: a throttled attempt costs no query and no hash. Unknown emails spend points too.
    const attempt = await context.guard.beginLogIn(args.email.slice(0, 254), context.clientIp);
    let valid: boolean;
    let user: User | null;
    try {
      const parsed = email.safeParse(args.email);
      user = parsed.success ? await context.db.user.findUnique({ where: { email: parsed.data } }) : null;
      // Same work and the same answer whether the email or the password is wrong: nothing tells which.
      const stored = user?.passwordHash ?? (await context.guard.unknownEmailHash());
      valid = await context.guard.hash("logIn", () => verifyPassword(args.password, stored));
    } catch (error) {
      await attempt.abandoned();
      throw error;
    }
    if (!user || !valid) throw appError(ErrorCode.UNAUTHENTICATED, "Wrong email or password.");
    await attempt.succeeded();
    return authPayload(user, context);
  },
};
