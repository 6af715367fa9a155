import { randomUUID } from "node:crypto";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from "@supergraph/kit/runtime";
import type { RunningSubgraph } from "@supergraph/kit/subgraph";
import { portVariable } from "@supergraph/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, loadConfig, startPostsSubgraph } from "../index.ts";

// Security review: User.posts and Product.posts returned every row, so nesting them made answers grow
// with the square of the data. They now return the newest `first` (1–100, default 20). The subgraph runs
// over HTTP on a database of its own; the router's calls are made as it makes them (`_entities`).

let posts: RunningSubgraph<Db>;
let drop: () => Promise<void>;
let secret: string;
beforeAll(async () => {
  const database = await testDatabaseSettings("posts");
  drop = database.drop;
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    [portVariable("posts")]: "0",
    ...database.env,
  });
  secret = config.internalTokenSecret;
  posts = await startPostsSubgraph(config);
});
afterAll(async () => {
  await posts?.close();
  await drop?.();
});

interface Result<T> {
  data?: { _entities: T[] } | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

/** Resolves `representations` with `selection`, as the router asks the subgraph, for `viewer`. */
async function entities<T>(
  representations: Array<{ __typename: string; id: string }>,
  selection: string,
  viewer: Viewer | null = null,
): Promise<Result<T>> {
  const response = await fetch(posts.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [INTERNAL_TOKEN_HEADER]: signInternalToken({ caller: "router", viewer }, secret),
    },
    body: JSON.stringify({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
      variables: { r: representations },
    }),
  });
  return (await response.json()) as Result<T>;
}

const statements = async () =>
  (await posts.metrics.dbQueries.get()).values
    .filter((value) => value.metricName === "db_query_duration_seconds_count")
    .reduce((sum, value) => sum + value.value, 0);

/**
 * `count` posts by `authorId` about `productId`, one minute apart; every `draftEvery`th one (counting
 * from the newest) is a draft. Returns the ids, newest first.
 */
async function writePosts(count: number, options: { authorId?: string; productId?: string; draftEvery?: number } = {}) {
  const authorId = options.authorId ?? randomUUID();
  const productId = options.productId ?? randomUUID();
  const start = Date.UTC(2026, 0, 1);
  const rows = Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    authorId,
    title: `Post ${index}`,
    body: "…",
    published: !options.draftEvery || (count - 1 - index) % options.draftEvery !== 0,
    createdAt: new Date(start + index * 60_000),
  }));
  await posts.db.post.createMany({ data: rows });
  await posts.db.postProduct.createMany({ data: rows.map((row) => ({ postId: row.id, productId, position: 0 })) });
  const newestFirst = rows.reverse();
  return {
    authorId,
    productId,
    all: newestFirst.map((row) => row.id),
    published: newestFirst.filter((row) => row.published).map((row) => row.id),
  };
}

type Listed = { posts: Array<{ id: string }> | null };
const ids = (result: Result<Listed>) => result.data?._entities.map((entity) => entity.posts?.map((post) => post.id));

describe("Product.posts", () => {
  it("returns the newest `first` published posts, 20 by default", async () => {
    const { productId, published } = await writePosts(30, { draftEvery: 4 });
    const product = [{ __typename: "Product", id: productId }];
    expect(published.length).toBeGreaterThan(20);
    expect(ids(await entities<Listed>(product, `... on Product { posts { id } }`))).toEqual([published.slice(0, 20)]);
    expect(ids(await entities<Listed>(product, `... on Product { posts(first: 3) { id } }`))).toEqual([
      published.slice(0, 3),
    ]);
    expect(ids(await entities<Listed>(product, `... on Product { posts(first: 100) { id } }`))).toEqual([published]);
    // An explicit null is the default, not "all".
    expect(ids(await entities<Listed>(product, `... on Product { posts(first: null) { id } }`))).toEqual([
      published.slice(0, 20),
    ]);
  });

  it("answers every field as Prisma's rows would", async () => {
    const { productId, published } = await writePosts(2);
    const result = await entities<{ posts: unknown[] }>(
      [{ __typename: "Product", id: productId }],
      `... on Product { posts { id title body published createdAt updatedAt author { id } } }`,
    );
    const rows = await posts.db.post.findMany({ where: { id: { in: published } }, orderBy: { createdAt: "desc" } });
    expect(result.data?._entities[0]?.posts).toEqual(
      rows.map((row) => ({
        id: row.id,
        title: row.title,
        body: row.body,
        published: true,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        author: { id: row.authorId },
      })),
    );
  });
});

describe("User.posts", () => {
  it("returns the newest `first` posts the reader may see: drafts are left out before the limit", async () => {
    const { authorId, all, published } = await writePosts(25, { draftEvery: 2 });
    const user = [{ __typename: "User", id: authorId }];
    const author: Viewer = { userId: authorId, role: "CUSTOMER" };
    const admin: Viewer = { userId: randomUUID(), role: "ADMIN" };
    // The newest post is a draft: a reader still gets 5, all published.
    expect(ids(await entities<Listed>(user, `... on User { posts(first: 5) { id } }`))).toEqual([
      published.slice(0, 5),
    ]);
    expect(ids(await entities<Listed>(user, `... on User { posts { id } }`))).toEqual([published]);
    expect(ids(await entities<Listed>(user, `... on User { posts { id } }`, author))).toEqual([all.slice(0, 20)]);
    expect(ids(await entities<Listed>(user, `... on User { posts(first: 5) { id } }`, admin))).toEqual([
      all.slice(0, 5),
    ]);
  });
});

describe("the `first` of User.posts and Product.posts", () => {
  it.each([0, 101, -1])("refuses first: %i with BAD_USER_INPUT", async (first) => {
    for (const [typename, selection] of [
      ["User", `... on User { posts(first: ${first}) { id } }`],
      ["Product", `... on Product { posts(first: ${first}) { id } }`],
    ] as const) {
      const result = await entities<Listed>([{ __typename: typename, id: randomUUID() }], selection);
      expect(result.errors?.[0]?.extensions, typename).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
      expect(result.errors?.[0]?.message).toBe("first: must be between 1 and 100");
    }
  });
});

describe("batching", () => {
  it("loads each field's lists for many parents, whatever their `first`s, with one SQL statement", async () => {
    const written = await Promise.all([
      writePosts(4, { draftEvery: 2 }),
      writePosts(6),
      writePosts(3, { draftEvery: 2 }),
    ]);
    // The first author reads: their own drafts are in their list, nobody else's.
    const reader: Viewer = { userId: written[0]?.authorId ?? "", role: "CUSTOMER" };
    for (const typename of ["Product", "User"] as const) {
      const representations = written.map((list) => ({
        __typename: typename,
        id: typename === "Product" ? list.productId : list.authorId,
      }));
      const before = await statements();
      const result = await entities<{ a: Listed["posts"]; b: Listed["posts"] }>(
        representations,
        `... on ${typename} { a: posts(first: 2) { id } b: posts { id } }`,
        reader,
      );
      expect(await statements(), typename).toBe(before + 1);
      const visible = written.map((list, index) => (typename === "User" && index === 0 ? list.all : list.published));
      expect(result.data?._entities).toEqual(
        visible.map((list) => ({
          a: list.slice(0, 2).map((id) => ({ id })),
          b: list.map((id) => ({ id })),
        })),
      );
    }
  });
});
