import { badUserInput, isUuid } from "@supergraph/kit";

/** Relay cursors are opaque to clients: base64url of the keyset position (created_at, id). */
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
  if (!id || !isUuid(id) || Number.isNaN(date.getTime())) throw badUserInput("`after` is not a cursor returned by this API.", "after");
  return { createdAt: date, id };
}
