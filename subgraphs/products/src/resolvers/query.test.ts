import { randomUUID } from "node:crypto";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { INTERNAL_TOKEN_HEADER, signInternalToken } from "@supergraph/kit/runtime";
import type { RunningSubgraph } from "@supergraph/kit/subgraph";
import { portVariable } from "@supergraph/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, loadConfig, startProductsSubgraph } from "../index.ts";

// existingProductIds is bounded as its @listSize says: at most 100 ids. The subgraph runs over HTTP on a
// database of its own, called as the posts service calls it.

let products: RunningSubgraph<Db>;
let drop: () => Promise<void>;
let secret: string;
beforeAll(async () => {
  const database = await testDatabaseSettings("products");
  drop = database.drop;
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    [portVariable("products")]: "0",
    ...database.env,
  });
  secret = config.internalTokenSecret;
  products = await startProductsSubgraph(config);
});
afterAll(async () => {
  await products?.close();
  await drop?.();
});

async function existing(ids: string[]) {
  const response = await fetch(products.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [INTERNAL_TOKEN_HEADER]: signInternalToken({ caller: "posts", viewer: null }, secret),
    },
    body: JSON.stringify({ query: `query($ids: [ID!]!) { existingProductIds(ids: $ids) }`, variables: { ids } }),
  });
  return (await response.json()) as {
    data?: { existingProductIds: string[] } | null;
    errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
  };
}

describe("existingProductIds", () => {
  it("answers which of up to 100 ids are products that exist, and refuses more with BAD_USER_INPUT", async () => {
    const live = { id: randomUUID(), sku: `LIVE-${randomUUID().slice(0, 8)}`, name: "Live", priceCents: 1, stock: 1 };
    const gone = { ...live, id: randomUUID(), sku: `GONE-${randomUUID().slice(0, 8)}`, deletedAt: new Date() };
    await products.db.product.createMany({ data: [live, gone] });
    const others = Array.from({ length: 97 }, () => randomUUID());
    expect((await existing([live.id, gone.id, "not-a-uuid", ...others])).data).toEqual({
      existingProductIds: [live.id],
    });
    const tooMany = await existing([live.id, ...others, randomUUID(), randomUUID(), randomUUID()]);
    expect(tooMany.errors?.map((error) => [error.message, error.extensions?.code, error.extensions?.field])).toEqual([
      ["ids: at most 100 ids", "BAD_USER_INPUT", "ids"],
    ]);
  });
});
