import type { Context } from "../context.ts";

export const Query = {
  me: (_: unknown, _args: unknown, { viewer, loaders }: Context) =>
    viewer ? loaders.userById.load(viewer.userId) : null,
  user: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.userById.load(id),
};
