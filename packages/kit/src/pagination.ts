import { z } from "zod";
import { decodeCursor, type Position, toConnection } from "./cursor.ts";
import { validate } from "./validation.ts";

/**
 * `first` and `after`, as every connection field takes them; a field adds its own filters with
 * `connectionArgs.extend({ … })` and checks them all in one `validate`.
 */
export const connectionArgs = z.object({
  first: z.number().int().min(1, "must be between 1 and 100").max(100, "must be between 1 and 100").nullish(),
  after: z.string().max(200).nullish(),
});
export type ConnectionArgs = z.output<typeof connectionArgs>;

const DEFAULT_PAGE_SIZE = 20;

/**
 * The slice a list field's `first: Int = 20` and `after: ID` arguments ask for (e.g. `User.posts`): `first`
 * is 1–100 as a connection's page, BAD_USER_INPUT otherwise, and an explicit null means the default (the
 * list stays bounded). `after` is checked as it is loaded (createSliceLoader); null or "": from the newest.
 */
export function sliceArgs(args: { first?: number | null; after?: string | null }): {
  first: number;
  after: string | null;
} {
  const first = validate(connectionArgs.pick({ first: true }), args).first ?? DEFAULT_PAGE_SIZE;
  // "" as a connection's `after` takes it (from the start); ids compare as Postgres prints them.
  return { first, after: args.after ? args.after.toLowerCase() : null };
}

type After<T> = { gt: T } | { lt: T };

/** What to ask the database for one page: Prisma's `where`, `orderBy` and `take`, over (created_at, id). */
export interface KeysetPage {
  where: { OR: Array<{ createdAt: After<Date> } | { createdAt: Date; id: After<string> }> } | Record<string, never>;
  orderBy: [{ createdAt: "asc" | "desc" }, { id: "asc" | "desc" }];
  take: number;
}

/** The connection of a list that is empty without asking the database (e.g. filtered by an impossible id). */
export const emptyConnection = () => toConnection([], 0, 0);

/**
 * Keyset pagination over (created_at, id), oldest first ("asc") or newest first ("desc"): rows strictly
 * after the cursor in that order, one more than the page so the extra row tells whether there is more.
 * An `after` that is not one of our cursors is BAD_USER_INPUT before any query runs.
 */
export async function keysetConnection<T extends Position>(
  args: ConnectionArgs,
  order: "asc" | "desc",
  query: { rows: (page: KeysetPage) => Promise<T[]>; count: () => Promise<number> },
) {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  const position = args.after ? decodeCursor(args.after) : null;
  const after = <V>(value: V): After<V> => (order === "asc" ? { gt: value } : { lt: value });
  const page: KeysetPage = {
    where: position
      ? { OR: [{ createdAt: after(position.createdAt) }, { createdAt: position.createdAt, id: after(position.id) }] }
      : {},
    orderBy: [{ createdAt: order }, { id: order }],
    take: limit + 1,
  };
  const [rows, totalCount] = await Promise.all([query.rows(page), query.count()]);
  return toConnection(rows, limit, totalCount);
}
