import type { Resolvers } from "../generated/resolvers.ts";
import { Mutation } from "./mutation.ts";
import { ProductResolvers } from "./product.ts";
import { Query } from "./query.ts";

export const resolvers: Resolvers = { Query, Mutation, Product: ProductResolvers };
