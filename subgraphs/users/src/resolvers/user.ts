import { canAccess } from "@supergraph/kit/subgraph";
import type { User } from "../generated/prisma/client.ts";
import type { UserResolvers as UserFields } from "../generated/resolvers.ts";

/** Marks a user row returned to the user themselves by signUp/logIn, before their token is in use. */
export const SELF_VIEW = Symbol("self view");

export const UserResolvers = {
  __resolveReference: (reference, context) => context.loaders.userById.load(reference.id),
  // Personal data: only the user and admins see it; everyone else gets null.
  email: (user: User & { [SELF_VIEW]?: true }, _args, { viewer }) =>
    user[SELF_VIEW] || canAccess(viewer, user.id) ? user.email : null,
  createdAt: (user) => user.createdAt.toISOString(),
} satisfies UserFields;
