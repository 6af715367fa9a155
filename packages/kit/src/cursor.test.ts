import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.ts";

describe("cursors", () => {
  it("round-trips a position", () => {
    const position = { createdAt: new Date("2026-01-02T03:04:05.678Z"), id: "00000000-0000-4000-8000-000000000001" };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  const uuid = "00000000-0000-4000-8000-000000000001";
  it.each([
    "",
    "bogus",
    Buffer.from("2026-01-01T00:00:00Z|not-a-uuid").toString("base64url"),
    // Regression (#26): years Postgres refuses (22009) reached the database and answered 500.
    Buffer.from(`0000-01-01T00:00:00.000Z|${uuid}`).toString("base64url"),
    Buffer.from(`-000001-01-01T00:00:00.000Z|${uuid}`).toString("base64url"),
    Buffer.from(`+275760-09-13T00:00:00.000Z|${uuid}`).toString("base64url"),
  ])("refuses %j with BAD_USER_INPUT", (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) }),
    );
  });
});
