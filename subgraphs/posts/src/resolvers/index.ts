import { Mutation } from "./mutation.ts";
import { PostResolvers, ProductResolvers, UserResolvers } from "./post.ts";
import { Query } from "./query.ts";

export const resolvers = { Query, Mutation, Post: PostResolvers, User: UserResolvers, Product: ProductResolvers };
