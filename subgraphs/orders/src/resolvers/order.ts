import { canAccess, forbidden, sliceArgs } from "@supergraph/kit/subgraph";
import type {
  OrderResolvers as OrderFields,
  OrderItemResolvers as OrderItemFields,
  UserResolvers as UserFields,
} from "../generated/resolvers.ts";

export const OrderResolvers = {
  async __resolveReference(reference, { viewer, loaders }) {
    const order = await loaders.orderById.load(reference.id);
    if (order && !canAccess(viewer, order.buyerId)) throw forbidden("Only the buyer and admins can see this order.");
    return order;
  },
  items: (order, _args, { loaders }) => loaders.itemsByOrder.load(order.id),
  buyer: (order) => ({ __typename: "User", id: order.buyerId }),
  createdAt: (order) => order.createdAt.toISOString(),
} satisfies OrderFields;

export const OrderItemResolvers = {
  product: (item) => ({ __typename: "Product", id: item.productId }),
} satisfies OrderItemFields;

export const UserResolvers = {
  orders(user, args, { viewer, loaders }) {
    if (!canAccess(viewer, user.id)) throw forbidden("Only the user themselves and admins can see their orders.");
    return loaders.ordersByBuyer.load({ id: user.id, ...sliceArgs(args) });
  },
} satisfies UserFields;
