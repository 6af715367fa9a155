import type { Db } from "./db.ts";

// Fixed ids from the users and products seeds (this service cannot read their databases).
const CUSTOMER_ID = "00000000-0000-4000-8000-000000000002";
const productId = (index: number) => `00000000-0000-4000-9000-${String(index + 1).padStart(12, "0")}`;

/**
 * Demo orders for the demo customer, for development only. They are history: written directly, with the
 * catalogue's prices at seeding time, without taking stock. Idempotent (fixed ids).
 */
const ORDERS = [
  {
    id: "00000000-0000-4000-a000-000000000001",
    items: [
      { product: 0, quantity: 1, unitPriceCents: 24900 },
      { product: 4, quantity: 2, unitPriceCents: 700 },
    ],
  },
  { id: "00000000-0000-4000-a000-000000000002", items: [{ product: 16, quantity: 3, unitPriceCents: 1900 }] },
];

export async function seed(db: Db): Promise<void> {
  for (const [index, order] of ORDERS.entries()) {
    if (await db.order.findUnique({ where: { id: order.id } })) continue;
    await db.order.create({
      data: {
        id: order.id,
        buyerId: CUSTOMER_ID,
        createdAt: new Date(Date.UTC(2026, 0, 10 + index)),
        totalCents: order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
        items: {
          create: order.items.map((item, position) => ({
            productId: productId(item.product),
            quantity: item.quantity,
            unitPriceCents: item.unitPriceCents,
            position,
          })),
        },
      },
    });
  }
}
