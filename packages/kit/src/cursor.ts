import { badUserInput } from "./errors.ts";
import { isUuid } from "./loaders.ts";

/**
 * Relay cursors for keyset pagination over (created_at, id): opaque to clients (base64url), and unlike
 * OFFSET they stay correct while rows are added or deleted between pages, at the same cost on any page.
 */
export interface Position {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): Position {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(createdAt ?? "");
  // Postgres timestamps have no year 0 and JavaScript's reach past 10,000: a date outside years 1-9999
  // (never issued) would fail in the database (22009) as a 500.
  const year = date.getUTCFullYear();
  if (!id || !isUuid(id) || Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw badUserInput("`after` is not a cursor returned by this API.", "after");
  }
  return { createdAt: date, id };
}

/** A Relay connection from one page of rows fetched with `take: limit + 1` (the extra row means "more"). */
export function toConnection<T extends Position>(rows: T[], limit: number, totalCount: number) {
  const edges = rows.slice(0, limit).map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    totalCount,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
