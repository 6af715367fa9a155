import type { Db } from "./db.ts";

/**
 * Demo catalogue, for development only: 24 products with fixed ids (so the orders and posts seeds can
 * refer to them without calling this service). Idempotent: existing SKUs are left as they are.
 */
const CATALOGUE: Array<[name: string, priceCents: number, stock: number]> = [
  ["Espresso Machine", 24900, 12],
  ["Burr Grinder", 12900, 20],
  ["Pour-Over Kettle", 5900, 35],
  ["Ceramic Dripper", 2400, 50],
  ["Paper Filters (100)", 700, 200],
  ["Digital Scale", 3900, 40],
  ["Milk Frother", 4900, 25],
  ["Latte Mug", 1800, 80],
  ["Travel Tumbler", 2900, 60],
  ["Cold Brew Jar", 3400, 30],
  ["French Press", 3900, 45],
  ["Moka Pot", 4400, 28],
  ["Tamper", 2900, 33],
  ["Knock Box", 2500, 22],
  ["Cleaning Tablets", 1200, 100],
  ["Descaler", 1500, 90],
  ["Single-Origin Beans", 1900, 150],
  ["House Blend Beans", 1500, 180],
  ["Decaf Beans", 1700, 70],
  ["Barista Apron", 3500, 15],
  ["Espresso Cups (4)", 3200, 26],
  ["Sugar Tin", 1400, 40],
  ["Coffee Canister", 2200, 55],
  ["Brewing Guide Book", 2700, 18],
];

export const seedProductId = (index: number) => `00000000-0000-4000-9000-${String(index + 1).padStart(12, "0")}`;

export async function seed(db: Db): Promise<void> {
  await db.product.createMany({
    data: CATALOGUE.map(([name, priceCents, stock], index) => ({
      id: seedProductId(index),
      sku: `DEMO-${String(index + 1).padStart(3, "0")}`,
      name,
      description: `${name}, from the demo catalogue.`,
      priceCents,
      stock,
    })),
    skipDuplicates: true,
  });
}
