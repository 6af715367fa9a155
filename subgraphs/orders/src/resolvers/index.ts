import type { Resolvers } from "../generated/resolvers.ts";
import { Mutation } from "./mutation.ts";
import { OrderItemResolvers, OrderResolvers, UserResolvers } from "./order.ts";
import { Query } from "./query.ts";
import { Subscription } from "./subscription.ts";

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  Order: OrderResolvers,
  OrderItem: OrderItemResolvers,
  User: UserResolvers,
};
