import { randomUUID } from "node:crypto";
import { testDatabaseSettings } from "@supergraph/db/testing";
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from "@supergraph/kit/runtime";
import type { RunningSubgraph } from "@supergraph/kit/subgraph";
import { portVariable } from "@supergraph/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, loadConfig, startPostsSubgraph } from "../index.ts";

// User.posts and Product.posts are bounded (the newest `first`, 1–100, default 20), so nesting them cannot
// grow an answer with the square of the data, and read further with `after`. The subgraph runs over HTTP
// on a database of its own, called as the router calls it (`_entities`).

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
 * `count` posts by `authorId` about `productId`, one minute apart, or `tiesOf` at a time at the same
 * instant; every `draftEvery`th one (counting from the newest) is a draft. Returns the ids, newest first
 * (and, within a tie, by id as the lists order them).
 */
async function writePosts(
  count: number,
  options: { authorId?: string; productId?: string; draftEvery?: number; tiesOf?: number } = {},
) {
  const authorId = options.authorId ?? randomUUID();
  const productId = options.productId ?? randomUUID();
  const start = Date.UTC(2026, 0, 1);
  const rows = Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    authorId,
    title: `Post ${index}`,
    body: "…",
    published: !options.draftEvery || (count - 1 - index) % options.draftEvery !== 0,
    createdAt: new Date(start + Math.floor(index / (options.tiesOf ?? 1)) * 60_000),
  }));
  await posts.db.post.createMany({ data: rows });
  await posts.db.postProduct.createMany({ data: rows.map((row) => ({ postId: row.id, productId, position: 0 })) });
  // Postgres orders UUIDs as their lower-case text sorts.
  const newestFirst = rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
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

/** Reads the posts of one parent slice after slice of `first`, each `after` the last id of the one before. */
async function readInSlices(parent: { __typename: string; id: string }, first: number, viewer: Viewer | null = null) {
  const read: string[][] = [];
  for (let after: string | undefined; ; ) {
    const args = after ? `first: ${first}, after: "${after}"` : `first: ${first}`;
    const result = await entities<Listed>([parent], `... on ${parent.__typename} { posts(${args}) { id } }`, viewer);
    expect(result.errors).toBeUndefined();
    const slice = ids(result)?.[0] ?? [];
    if (slice.length === 0) return read;
    read.push(slice);
    after = slice.at(-1);
  }
}

describe("the `after` of User.posts and Product.posts", () => {
  it("continues each list exactly where the slice before ended, across posts written at the same instant", async () => {
    // Three posts per instant: slices of 2 end inside a tie as often as not.
    const { authorId, productId, all, published } = await writePosts(14, { draftEvery: 5, tiesOf: 3 });
    const author: Viewer = { userId: authorId, role: "CUSTOMER" };
    const inTwos = (list: string[]) =>
      Array.from({ length: Math.ceil(list.length / 2) }, (_, n) => list.slice(2 * n, 2 * n + 2));
    expect(await readInSlices({ __typename: "Product", id: productId }, 2)).toEqual(inTwos(published));
    expect(await readInSlices({ __typename: "User", id: authorId }, 2)).toEqual(inTwos(published));
    expect(await readInSlices({ __typename: "User", id: authorId }, 2, author)).toEqual(inTwos(all));
  });

  it("continues after a draft for its author and admins, and refuses it (as an unknown id) to anyone else", async () => {
    const { authorId, productId, all, published } = await writePosts(6, { draftEvery: 3 });
    const draft = all[0] ?? "";
    expect(published).not.toContain(draft);
    const after = `posts(first: 2, after: "${draft}") { id }`;
    const user = [{ __typename: "User", id: authorId }];
    const admin: Viewer = { userId: randomUUID(), role: "ADMIN" };
    for (const viewer of [{ userId: authorId, role: "CUSTOMER" } as Viewer, admin]) {
      expect(ids(await entities<Listed>(user, `... on User { ${after} }`, viewer))).toEqual([all.slice(1, 3)]);
    }
    const stranger: Viewer = { userId: randomUUID(), role: "CUSTOMER" };
    const refusals = [
      await entities<Listed>(user, `... on User { ${after} }`, stranger),
      await entities<Listed>(user, `... on User { ${after} }`),
      await entities<Listed>([{ __typename: "Product", id: productId }], `... on Product { ${after} }`, admin),
    ];
    const unknown = await entities<Listed>(user, `... on User { posts(after: "${randomUUID()}") { id } }`, stranger);
    for (const result of [...refusals, unknown]) {
      expect(result.data?._entities).toEqual([{ posts: null }]);
      expect(result.errors?.map((error) => [error.message, error.extensions?.code, error.extensions?.field])).toEqual([
        ["after: must be the id of an item of this list", "BAD_USER_INPUT", "after"],
      ]);
    }
  });

  it("refuses, with BAD_USER_INPUT on `after`, an `after` that is not an item of that very list", async () => {
    const mine = await writePosts(3);
    const theirs = await writePosts(3);
    const cases: Array<[string, { __typename: string; id: string }, string]> = [
      ["an unknown id", { __typename: "Product", id: mine.productId }, randomUUID()],
      ["not a UUID", { __typename: "Product", id: mine.productId }, "not-a-uuid"],
      ["a post about another product", { __typename: "Product", id: mine.productId }, theirs.all[1] ?? ""],
      ["another author's post", { __typename: "User", id: mine.authorId }, theirs.all[1] ?? ""],
      ["not a UUID", { __typename: "User", id: mine.authorId }, "not-a-uuid"],
    ];
    for (const [what, parent, after] of cases) {
      const result = await entities<Listed>(
        [parent],
        `... on ${parent.__typename} { posts(after: "${after}") { id } }`,
      );
      expect(result.errors?.[0]?.extensions, `${parent.__typename}: ${what}`).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "after",
      });
    }
    // The last item of a list is one: after it, the list is simply over.
    const afterLast = `... on User { posts(after: "${mine.all.at(-1)}") { id } }`;
    expect(ids(await entities<Listed>([{ __typename: "User", id: mine.authorId }], afterLast))).toEqual([[]]);
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
      const visible = written.map((list, index) => (typename === "User" && index === 0 ? list.all : list.published));
      // `after` is an item of the first parent's list only: the others' `c` is refused, in the same statement.
      const after = visible[0]?.[0];
      const before = await statements();
      const result = await entities<{ a: Listed["posts"]; b: Listed["posts"]; c: Listed["posts"] }>(
        representations,
        `... on ${typename} { a: posts(first: 2) { id } b: posts { id } c: posts(first: 2, after: "${after}") { id } }`,
        reader,
      );
      expect(await statements(), typename).toBe(before + 1);
      expect(result.data?._entities).toEqual(
        visible.map((list, index) => ({
          a: list.slice(0, 2).map((id) => ({ id })),
          b: list.map((id) => ({ id })),
          c: index === 0 ? list.slice(1, 3).map((id) => ({ id })) : null,
        })),
      );
      expect(result.errors?.map((error) => error.extensions?.field)).toEqual(["after", "after"]);
    }
  });
});
