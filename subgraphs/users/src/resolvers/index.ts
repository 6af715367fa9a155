import type { Resolvers } from "../generated/resolvers.ts";
import { Mutation } from "./mutation.ts";
import { Query } from "./query.ts";
import { UserResolvers } from "./user.ts";

export const resolvers: Resolvers = { Query, Mutation, User: UserResolvers };
