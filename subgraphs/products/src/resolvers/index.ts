import { Mutation } from "./mutation.ts";
import { ProductResolvers } from "./product.ts";
import { Query } from "./query.ts";

export const resolvers = { Query, Mutation, Product: ProductResolvers };
