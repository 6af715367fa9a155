import type { QueryResolvers } from "../generated/resolvers.ts";

export const Query = {
  me: (_, _args, { viewer, loaders }) => (viewer ? loaders.userById.load(viewer.userId) : null),
  user: (_, { id }, { loaders }) => loaders.userById.load(id),
} satisfies QueryResolvers;
