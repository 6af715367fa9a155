import { Mutation } from "./mutation.ts";
import { PostResolvers, ProductResolvers, UserResolvers } from "./post.ts";
import { Query } from "./query.ts";
import type { Resolvers } from "../generated/resolvers.ts";

export const resolvers: Resolvers = { Query, Mutation, Post: PostResolvers, User: UserResolvers, Product: ProductResolvers };
