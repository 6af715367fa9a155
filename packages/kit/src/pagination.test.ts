import { describe, expect, it } from "vitest";
import { connectionArgs, type KeysetPage, keysetConnection, sliceArgs } from "./pagination.ts";

const rows = Array.from({ length: 5 }, (_, index) => ({
  id: `00000000-0000-4000-8000-00000000000${index}`,
  createdAt: new Date(Date.UTC(2026, 0, 1 + (index >> 1))),
}));
type Row = (typeof rows)[number];

/** Applies a page the way Postgres would, over the rows above. */
function select(page: KeysetPage): Row[] {
  const sign = page.orderBy[0].createdAt === "asc" ? 1 : -1;
  const compare = (a: Row, b: { createdAt: Date; id: string }) =>
    sign * (a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  const bound = "OR" in page.where ? page.where.OR[1] : undefined;
  const after =
    bound && "id" in bound
      ? { createdAt: bound.createdAt, id: "gt" in bound.id ? bound.id.gt : bound.id.lt }
      : undefined;
  return [...rows]
    .sort((a, b) => compare(a, b))
    .filter((row) => !after || compare(row, after) > 0)
    .slice(0, page.take);
}

async function walk(order: "asc" | "desc", first: number) {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const connection: { edges: Array<{ node: Row }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } =
      await keysetConnection({ first, after }, order, {
        rows: async (page) => select(page),
        count: async () => rows.length,
      });
    seen.push(...connection.edges.map((edge) => edge.node.id));
    if (!connection.pageInfo.hasNextPage) return seen;
    after = connection.pageInfo.endCursor;
  }
}

describe("keyset pagination", () => {
  it("walks every row once, in either order, whatever the page size", async () => {
    const ids = rows.map((row) => row.id);
    for (const first of [1, 2, 5, 6]) {
      expect(await walk("asc", first)).toEqual(ids);
      expect(await walk("desc", first)).toEqual([...ids].reverse());
    }
  });

  it("refuses a cursor it did not issue before running a query", async () => {
    let queried = false;
    const query = {
      rows: async () => {
        queried = true;
        return [];
      },
      count: async () => 0,
    };
    await expect(keysetConnection({ after: "bogus" }, "asc", query)).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(queried).toBe(false);
  });

  it("bounds `first` to 1-100", () => {
    expect(connectionArgs.safeParse({ first: 0 }).success).toBe(false);
    expect(connectionArgs.safeParse({ first: 101 }).success).toBe(false);
    expect(connectionArgs.safeParse({ first: 100, after: null }).success).toBe(true);
  });
});

describe("sliceArgs", () => {
  it("has `first`, 20 when absent or null, and refuses anything outside 1-100 with BAD_USER_INPUT", () => {
    expect(sliceArgs({ first: 7 }).first).toBe(7);
    expect(sliceArgs({}).first).toBe(20);
    expect(sliceArgs({ first: null }).first).toBe(20);
    for (const first of [0, 101, 2.5]) {
      expect(() => sliceArgs({ first })).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT", field: "first" }) }),
      );
    }
  });

  it("has `after`, null when absent or empty (as a connection takes it), in lower case (createSliceLoader checks it)", () => {
    expect(sliceArgs({ after: "x" })).toEqual({ first: 20, after: "x" });
    expect(sliceArgs({ first: 3 })).toEqual({ first: 3, after: null });
    expect(sliceArgs({ after: "" })).toEqual({ first: 20, after: null });
    const id = "0F0E0D0C-0000-4000-8000-00000000000A";
    expect(sliceArgs({ after: id }).after).toBe(id.toLowerCase());
  });
});
