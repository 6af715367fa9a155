import { Mutation } from "./mutation.ts";
import { OrderItemResolvers, OrderResolvers, UserResolvers } from "./order.ts";
import { Query } from "./query.ts";

export const resolvers = { Query, Mutation, Order: OrderResolvers, OrderItem: OrderItemResolvers, User: UserResolvers };
