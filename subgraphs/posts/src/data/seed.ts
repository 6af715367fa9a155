import type { Db } from "./db.ts";

// Fixed ids from the users and products seeds (this service cannot read their databases).
const ADMIN_ID = "00000000-0000-4000-8000-000000000001";
const CUSTOMER_ID = "00000000-0000-4000-8000-000000000002";
const productId = (index: number) => `00000000-0000-4000-9000-${String(index + 1).padStart(12, "0")}`;

/** Demo posts, for development only: published reviews and guides, and one draft. Idempotent (fixed ids). */
const POSTS = [
  {
    id: "00000000-0000-4000-b000-000000000001",
    authorId: ADMIN_ID,
    title: "Dialling in your espresso",
    body: "Grind finer, tamp evenly, taste, repeat.",
    published: true,
    products: [0, 1, 12],
  },
  {
    id: "00000000-0000-4000-b000-000000000002",
    authorId: CUSTOMER_ID,
    title: "My pour-over setup",
    body: "A kettle, a dripper and patience.",
    published: true,
    products: [2, 3, 4, 5],
  },
  {
    id: "00000000-0000-4000-b000-000000000003",
    authorId: CUSTOMER_ID,
    title: "Cold brew notes (draft)",
    body: "Still experimenting with ratios.",
    published: false,
    products: [9],
  },
  {
    id: "00000000-0000-4000-b000-000000000004",
    authorId: ADMIN_ID,
    title: "Beans of the month",
    body: "Our single origin pairs well with the moka pot.",
    published: true,
    products: [16, 11, 0],
  },
];

export async function seed(db: Db): Promise<void> {
  for (const [index, post] of POSTS.entries()) {
    if (await db.post.findUnique({ where: { id: post.id } })) continue;
    await db.post.create({
      data: {
        id: post.id,
        authorId: post.authorId,
        title: post.title,
        body: post.body,
        published: post.published,
        createdAt: new Date(Date.UTC(2026, 1, 1 + index)),
        products: { create: post.products.map((product, position) => ({ productId: productId(product), position })) },
      },
    });
  }
}
