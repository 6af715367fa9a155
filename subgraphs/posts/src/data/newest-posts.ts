import type { SliceKey } from "@supergraph/kit/subgraph";
import { type Post, Prisma } from "../generated/prisma/client.ts";
import type { Db } from "./db.ts";

/** An author's newest posts; `drafts`: with their drafts (the author themselves, or an admin, is reading). */
export interface AuthorSlice extends SliceKey {
  drafts: boolean;
}

// Every field of Post (the compiler checks), so the raw rows are the Post that findMany would return.
const columns = {
  id: "id",
  authorId: "author_id",
  title: "title",
  body: "body",
  published: "published",
  createdAt: "created_at",
  updatedAt: "updated_at",
} satisfies Record<keyof Post, string>;
const post = Prisma.raw(
  Object.entries(columns)
    .map(([field, column]) => `p.${column} AS "${field}"`)
    .join(", "),
);

// Without `after`, or with one that is no post, a slice's bound is ('infinity', null): after every row, as
// a row comparison stops at its first unequal column. An `OR k.after IS NULL` instead would keep Postgres
// from starting at the bound's created_at in an index: each slice would read every post before it.

/**
 * Each author's newest `first` posts (published ones only unless `drafts`), or the `first` after the post
 * `after`, newest first, in one statement per batch: a LATERAL subquery with its own LIMIT per key walks
 * the (author_id, created_at) index from the newest or from `after`'s (created_at, id) on, and stops after
 * `first` rows the reader may see. With `after`, the rows start at that post itself if it is one of them,
 * for createSliceLoader to check and drop.
 */
export function newestPostsByAuthor(db: Db, keys: AuthorSlice[]) {
  return db.$queryRaw<Array<Post & { slice: number }>>`
    SELECT (k.n - 1)::int AS slice, ${post}
    FROM unnest(${keys.map((key) => key.id)}::uuid[], ${keys.map((key) => key.first)}::int[],
                ${keys.map((key) => key.after)}::uuid[], ${keys.map((key) => key.drafts)}::boolean[])
      WITH ORDINALITY AS k(author_id, first, after, drafts, n)
    LEFT JOIN posts a ON a.id = k.after
    CROSS JOIN LATERAL (
      SELECT * FROM posts
      WHERE posts.author_id = k.author_id AND (posts.published OR k.drafts)
        AND (posts.created_at, posts.id) <= (coalesce(a.created_at, 'infinity'), a.id)
      ORDER BY posts.created_at DESC, posts.id DESC
      LIMIT k.first + (k.after IS NOT NULL)::int
    ) p
    ORDER BY k.n, p.created_at DESC, p.id DESC`;
}

/**
 * The newest `first` published posts about each product, or the `first` after the post `after`, newest
 * first, in one statement per batch (a LATERAL subquery with its own LIMIT per key). No index gives a
 * product's posts in date order (post_products holds no created_at): Postgres reads the product's links and
 * keeps the newest, or walks published posts newest first (from `after` on) until it has `first` about the
 * product, whichever it estimates cheaper. With `after`, the rows start at that post itself if it is one
 * of them, for createSliceLoader to check and drop.
 */
export function newestPostsByProduct(db: Db, keys: SliceKey[]) {
  return db.$queryRaw<Array<Post & { slice: number }>>`
    SELECT (k.n - 1)::int AS slice, ${post}
    FROM unnest(${keys.map((key) => key.id)}::uuid[], ${keys.map((key) => key.first)}::int[],
                ${keys.map((key) => key.after)}::uuid[]) WITH ORDINALITY AS k(product_id, first, after, n)
    LEFT JOIN posts a ON a.id = k.after
    CROSS JOIN LATERAL (
      SELECT posts.* FROM post_products JOIN posts ON posts.id = post_products.post_id
      WHERE post_products.product_id = k.product_id AND posts.published
        AND (posts.created_at, posts.id) <= (coalesce(a.created_at, 'infinity'), a.id)
      ORDER BY posts.created_at DESC, posts.id DESC
      LIMIT k.first + (k.after IS NOT NULL)::int
    ) p
    ORDER BY k.n, p.created_at DESC, p.id DESC`;
}
