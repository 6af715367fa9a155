import { canAccess, forbidden } from "@supergraph/kit";
import type { Context } from "../context.ts";
import type { Order, OrderItem } from "../generated/prisma/client.ts";

export const OrderResolvers = {
  async __resolveReference(reference: { id: string }, { viewer, loaders }: Context) {
    const order = await loaders.orderById.load(reference.id);
    if (order && !canAccess(viewer, order.buyerId)) throw forbidden("Only the buyer and admins can see this order.");
    return order;
  },
  items: (order: Order, _args: unknown, { loaders }: Context) => loaders.itemsByOrder.load(order.id),
  buyer: (order: Order) => ({ __typename: "User", id: order.buyerId }),
  createdAt: (order: Order) => order.createdAt.toISOString(),
};

export const OrderItemResolvers = {
  product: (item: OrderItem) => ({ __typename: "Product", id: item.productId }),
};

export const UserResolvers = {
  orders(user: { id: string }, _args: unknown, { viewer, loaders }: Context) {
    if (!canAccess(viewer, user.id)) throw forbidden("Only the user themselves and admins can see their orders.");
    return loaders.ordersByBuyer.load(user.id);
  },
};
