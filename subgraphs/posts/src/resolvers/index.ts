import type { Resolvers } from "../generated/resolvers.ts";
import { Mutation } from "./mutation.ts";
import { PostResolvers, ProductResolvers, UserResolvers } from "./post.ts";
import { Query } from "./query.ts";
import { Subscription } from "./subscription.ts";

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  Post: PostResolvers,
  User: UserResolvers,
  Product: ProductResolvers,
};
