import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createProduct,
  type SignedIn,
  type Stack,
  signUp,
  signUpAdmin,
  sqlStatementCount,
  startStack,
} from "../harness.ts";

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  // This file counts the subgraphs' own batching. The router's deduplication of identical in-flight
  // subgraph fetches (on by default) sometimes merges the orders and posts branches' identical product
  // fetches, depending on timing, which would make the counts vary from run to run.
  stack = await startStack({ routerEnv: { COALESCE: "false" } });
  admin = await signUpAdmin(stack);
});
afterAll(() => stack?.close());

const QUERY = `{
  me {
    name
    orders(first: 10) { totalCents items { quantity product { name } } }
    posts(first: 10) { title products { name posts(first: 10) { title author { name } } } }
  }
}`;

type Result = {
  me: {
    orders: Array<{ items: Array<{ product: { name: string } }> }>;
    posts: Array<{ products: Array<{ name: string; posts: Array<{ author: { name: string } }> }> }>;
  };
};

/** A user with `size` orders (of `size` lines) and `size` posts (about `size` products each). */
async function userWith(size: number): Promise<SignedIn> {
  const user = await signUp(stack, `Walker ${size}`);
  const products = await Promise.all(
    Array.from({ length: size }, (_, index) =>
      createProduct(stack, admin, { name: `Item ${size}.${index}`, stock: 100 }),
    ),
  );
  for (let index = 0; index < size; index++) {
    const placed = await stack.gql(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      { input: { items: products.map((product) => ({ productId: product.id, quantity: 1 })) } },
      { token: user.token },
    );
    expect(placed.errors, JSON.stringify(placed.errors)).toBeUndefined();
    const posted = await stack.gql(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      {
        input: {
          title: `Post ${index}`,
          body: "…",
          published: true,
          productIds: products.map((product) => product.id),
        },
      },
      { token: user.token },
    );
    expect(posted.errors, JSON.stringify(posted.errors)).toBeUndefined();
  }
  return user;
}

async function statementsFor(user: SignedIn) {
  const subgraphs = {
    users: stack.users.url,
    products: stack.products.url,
    orders: stack.orders.url,
    posts: stack.posts.url,
  };
  const before = Object.fromEntries(
    await Promise.all(Object.entries(subgraphs).map(async ([name, url]) => [name, await sqlStatementCount(url)])),
  );
  const result = await stack.gql<Result>(QUERY, {}, { token: user.token });
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  const after = Object.fromEntries(
    await Promise.all(Object.entries(subgraphs).map(async ([name, url]) => [name, await sqlStatementCount(url)])),
  );
  return {
    result,
    statements: Object.fromEntries(Object.keys(subgraphs).map((name) => [name, after[name] - before[name]])),
  };
}

it("walks users → orders → products → posts in one query, with SQL statements per subgraph independent of list sizes", async () => {
  const small = await userWith(2);
  const large = await userWith(6);

  const smallRun = await statementsFor(small);
  const largeRun = await statementsFor(large);

  expect(smallRun.result.data?.me.orders).toHaveLength(2);
  expect(largeRun.result.data?.me.orders).toHaveLength(6);
  expect(largeRun.result.data?.me.orders[0]?.items).toHaveLength(6);
  expect(largeRun.result.data?.me.posts[0]?.products[0]?.posts[0]?.author.name).toBe("Walker 6");
  expect(largeRun.result.data?.me.posts[0]?.products.map((product) => product.name).sort()).toEqual(
    Array.from({ length: 6 }, (_, index) => `Item 6.${index}`).sort(),
  );

  // Three times the orders, items, posts and products: the same number of statements everywhere.
  expect(largeRun.statements).toEqual(smallRun.statements);
  // And few of them: one per batch (users: me + authors; orders: orders + items; posts: posts, links, product posts).
  for (const count of Object.values(largeRun.statements)) expect(count).toBeLessThanOrEqual(4);
});
