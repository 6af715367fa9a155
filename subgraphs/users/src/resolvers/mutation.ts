import { appError, ErrorCode, signUserToken } from "@supergraph/kit/runtime";
import {
  badUserInput,
  entityTag,
  invalidate,
  notFound,
  requireAdmin,
  requireViewer,
  validate,
} from "@supergraph/kit/subgraph";
import { z } from "zod";
import { revoke } from "../auth/revocation-report.ts";
import type { Context } from "../context.ts";
import { endSession, endSessionsOf, type Issued, rotate, sessionOf, startSession } from "../data/refresh-tokens.ts";
import { Prisma, type User } from "../generated/prisma/client.ts";
import type { MutationResolvers } from "../generated/resolvers.ts";
import { accountName, accountPassword, accountEmail as email } from "../rules/accounts.ts";
import { hashPassword, verifyPassword } from "../rules/passwords.ts";
import { SELF_VIEW } from "./user.ts";

const signUpInput = z.object({ email, password: accountPassword, name: accountName });

function authPayload(user: User, session: Issued, context: Context) {
  const token = signUserToken({ userId: user.id, role: user.role }, context.config.jwt, session.sessionId);
  // The caller just proved who they are: the payload shows them their own account, email included.
  return { token, refreshToken: session.refreshToken, user: { ...user, [SELF_VIEW]: true } };
}

const signIn = async (user: User, context: Context) =>
  authPayload(user, await startSession(context.db, user.id, context.config.refreshTokenTtlSeconds), context);

export const Mutation = {
  async signUp(_, args, context) {
    const input = validate(signUpInput, args.input, "input");
    // Each sign-up costs a password hash: one client cannot take every hash slot of the pod.
    await context.guard.beginSignUp(context.clientIp);
    const passwordHash = await context.guard.hash("signUp", () =>
      hashPassword(input.password, context.config.passwordHashCost),
    );
    let user: User;
    try {
      user = await context.db.user.create({ data: { email: input.email, name: input.name, passwordHash } });
    } catch (error) {
      // The unique index decides, not a prior lookup: two concurrent sign-ups with one email cannot both win.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw badUserInput("An account with this email already exists.", "input.email");
      }
      throw error;
    }
    invalidate(context, "User");
    return signIn(user, context);
  },

  async logIn(_, args, context) {
    // Limits first: a throttled attempt costs no query and no hash. Unknown emails spend points too.
    const user = await context.guard.checkPassword(args.email.slice(0, 254), context.clientIp, async () => {
      const parsed = email.safeParse(args.email);
      const found = parsed.success ? await context.db.user.findUnique({ where: { email: parsed.data } }) : null;
      // Same work and the same answer whether the email or the password is wrong: nothing tells which.
      const stored = found?.passwordHash ?? (await context.guard.unknownEmailHash());
      const valid = await context.guard.hash("logIn", () => verifyPassword(args.password, stored));
      return valid ? found : null;
    });
    if (!user) throw appError(ErrorCode.UNAUTHENTICATED, "Wrong email or password.");
    // Told only to whoever knows the password.
    if (user.disabledAt) throw appError(ErrorCode.FORBIDDEN, "This account is disabled.");
    return signIn(user, context);
  },

  async refreshToken(_, args, context) {
    const rotation = await rotate(context.db, args.token, context.config.refreshTokenTtlSeconds);
    if (rotation.kind === "rotated") return authPayload(rotation.user, rotation.issued, context);
    if (rotation.kind === "reused") {
      revoke(context, `session:${rotation.sessionId}`);
      throw appError(
        ErrorCode.UNAUTHENTICATED,
        "This refresh token was already used: its session is ended. Sign in again.",
      );
    }
    throw appError(ErrorCode.UNAUTHENTICATED, "The refresh token is invalid or expired. Sign in again.");
  },

  async logOut(_, args, context) {
    const sessionId = await sessionOf(context.db, args.refreshToken);
    if (sessionId) {
      await endSession(context.db, sessionId);
      revoke(context, `session:${sessionId}`);
    }
    return true;
  },

  async disableUser(_, args, context) {
    const admin = requireAdmin(context.viewer);
    const user = await context.loaders.userById.load(args.id);
    if (!user) throw notFound("User", args.id);
    // The only admin would lock everyone out of administration; closing one's own account is deleteMe.
    if (user.id === admin.userId) throw appError(ErrorCode.CONFLICT, "An admin cannot disable their own account.");
    // Its sessions first: if disabling then fails, nothing is half done (the user signs in again), and
    // repeating it finishes; the other way round, a disabled account kept its sessions.
    await endSessionsOf(context.db, user.id);
    const disabled = user.disabledAt
      ? user
      : await context.db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    revoke(context, `user:${user.id}`);
    invalidate(context, entityTag("User", user.id));
    return disabled;
  },

  async deleteMe(_, args, context) {
    const viewer = requireViewer(context.viewer);
    const user = await context.db.user.findUnique({ where: { id: viewer.userId } });
    if (!user) throw appError(ErrorCode.UNAUTHENTICATED, "This account no longer exists.");
    // A password check like a log-in's, under the same limits: else a stolen access token could guess the
    // password here, past the per-account and per-client failure limits.
    const valid = await context.guard.checkPassword(user.email, context.clientIp, async () =>
      (await context.guard.hash("logIn", () => verifyPassword(args.password, user.passwordHash))) ? true : null,
    );
    if (!valid) throw appError(ErrorCode.UNAUTHENTICATED, "Wrong password.");
    // Its refresh tokens go with it (ON DELETE CASCADE); its access tokens are refused by the router.
    await context.db.user.deleteMany({ where: { id: user.id } });
    revoke(context, `user:${user.id}`);
    invalidate(context, entityTag("User", user.id), "User");
    return true;
  },
} satisfies MutationResolvers;
