import { Mutation } from "./mutation.ts";
import { Query } from "./query.ts";
import { UserResolvers } from "./user.ts";

export const resolvers = { Query, Mutation, User: UserResolvers };
