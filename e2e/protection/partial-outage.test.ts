import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  type GqlResult,
  gql,
  type SignedIn,
  type Stack,
  signUp,
  signUpAdmin,
  startStack,
} from "../harness.ts";

// Issue #26: a field one subgraph contributes to another's type was non-null, so that subgraph's outage
// nulled its parent up to `data: null`. Each case kills the field's owner and checks that only the field goes.

let stack: Stack;
let buyer: SignedIn;
let productId: string;
let orderId: string;
let postId: string;
const dead: Record<string, { url: string; close(): Promise<void> }> = {};

/** A port nothing listens on: connections to it are refused at once, as to a subgraph that died. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/graphql`;
}

beforeAll(async () => {
  stack = await startStack();
  const admin = await signUpAdmin(stack);
  buyer = await signUp(stack, "Outage Buyer");
  productId = (await createProduct(stack, admin, { name: "Outage Widget", stock: 100 })).id;
  const placed = await stack.gql<{ placeOrder: { id: string } }>(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
    { input: { items: [{ productId, quantity: 1 }] } },
    { token: buyer.token },
  );
  orderId = placed.data?.placeOrder.id ?? "";
  const posted = await stack.gql<{ createPost: { id: string } }>(
    `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    { input: { title: "About the widget", body: "…", published: true, productIds: [productId] } },
    { token: buyer.token },
  );
  postId = posted.data?.createPost.id ?? "";
  expect(orderId && postId).toBeTruthy();
  for (const name of ["users", "products", "orders", "posts"]) {
    // Without the response cache, so every query really reaches the subgraphs.
    dead[name] = await stack.startRouter({
      [`${name.toUpperCase()}_URL`]: await closedPortUrl(),
      RESPONSE_CACHE: "false",
    });
  }
});
afterAll(async () => {
  for (const router of Object.values(dead)) await router.close();
  await stack?.close();
});

function expectOutageOf(result: GqlResult<unknown>, subgraph: string) {
  expect(result.status).toBe(200);
  expect(
    result.errors?.some(
      (error) => error.extensions?.code === "SERVICE_UNAVAILABLE" && error.extensions.subgraph === subgraph,
    ),
  ).toBe(true);
}

describe("with the posts subgraph down", () => {
  it("Product.posts is null, the products are still there", async () => {
    const result = await gql<{ products: { edges: Array<{ node: { name: string; posts: unknown } }> } }>(
      dead.posts!.url,
      `{ products(first: 2) { edges { node { name posts { title } } } } }`,
    );
    expectOutageOf(result, "posts");
    expect(result.data?.products.edges.length).toBeGreaterThan(0);
    for (const { node } of result.data?.products.edges ?? []) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.posts).toBeNull();
    }
  });

  it("User.posts is null, the user is still there", async () => {
    const result = await gql(dead.posts!.url, `{ me { id name posts { title } } }`, {}, { token: buyer.token });
    expectOutageOf(result, "posts");
    expect(result.data).toEqual({ me: { id: buyer.id, name: "Outage Buyer", posts: null } });
  });
});

describe("with the orders subgraph down", () => {
  it("User.orders is null, the user is still there", async () => {
    const result = await gql(dead.orders!.url, `{ me { id name orders { id } } }`, {}, { token: buyer.token });
    expectOutageOf(result, "orders");
    expect(result.data).toEqual({ me: { id: buyer.id, name: "Outage Buyer", orders: null } });
  });
});

describe("with the products subgraph down", () => {
  it("OrderItem.product is null, the order and its lines are still there", async () => {
    const result = await gql(
      dead.products!.url,
      `query($id: ID!) { order(id: $id) { id items { quantity product { name } } } }`,
      { id: orderId },
      { token: buyer.token },
    );
    expectOutageOf(result, "products");
    expect(result.data).toEqual({ order: { id: orderId, items: [{ quantity: 1, product: null }] } });
  });

  it("Post.products is null, the post is still there", async () => {
    const result = await gql(dead.products!.url, `query($id: ID!) { post(id: $id) { title products { name } } }`, {
      id: postId,
    });
    expectOutageOf(result, "products");
    expect(result.data).toEqual({ post: { title: "About the widget", products: null } });
  });
});

describe("with the users subgraph down", () => {
  it("Order.buyer is null, the order is still there", async () => {
    const result = await gql(
      dead.users!.url,
      `query($id: ID!) { order(id: $id) { id totalCents buyer { name } } }`,
      { id: orderId },
      { token: buyer.token },
    );
    expectOutageOf(result, "users");
    expect(result.data).toEqual({ order: { id: orderId, totalCents: 1000, buyer: null } });
  });

  it("Post.author is null, the post is still there", async () => {
    const result = await gql(dead.users!.url, `query($id: ID!) { post(id: $id) { title author { name } } }`, {
      id: postId,
    });
    expectOutageOf(result, "users");
    expect(result.data).toEqual({ post: { title: "About the widget", author: null } });
  });
});

it("a post whose author was deleted answers author: null, not data: null (#26)", async () => {
  const author = await signUp(stack, "Soon Gone");
  const posted = await stack.gql<{ createPost: { id: string } }>(
    `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
    { input: { title: "Orphaned", body: "…", published: true } },
    { token: author.token },
  );
  expect(posted.errors).toBeUndefined();
  await stack.users.db.user.delete({ where: { id: author.id } });

  const query = `query($id: ID!) { posts(authorId: $id) { edges { node { title author { name } } } } }`;
  // The whole body, twice (executed, then from the cache): nothing but the data, and no gateway
  // diagnostics (@apollo/gateway's valueCompletion, whose code is outside the closed set).
  for (let read = 0; read < 2; read++) {
    const response = await fetch(stack.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables: { id: author.id } }),
    });
    expect(await response.json()).toEqual({
      data: { posts: { edges: [{ node: { title: "Orphaned", author: null } }] } },
    });
  }
});
