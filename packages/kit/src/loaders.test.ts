import { describe, expect, it } from "vitest";
import { createSliceLoader, type SliceKey } from "./loaders.ts";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";

describe("createSliceLoader", () => {
  it("asks once per tick for every distinct key, and hands each key the rows tagged with its index", async () => {
    const asked: SliceKey[][] = [];
    const loader = createSliceLoader(async (keys: SliceKey[]) => {
      asked.push(keys);
      // What the SQL does: each key's `first` rows, tagged with the key's index.
      return keys.flatMap((key, slice) =>
        Array.from({ length: key.first }, (_, n) => ({ slice, id: `${key.id}#${n}` })),
      );
    });
    const [a2, b1, a1, a2again] = await Promise.all([
      loader.load({ id: A, first: 2, after: null }),
      loader.load({ id: B, first: 1, after: null }),
      loader.load({ id: A, first: 1, after: null }),
      loader.load({ after: null, first: 2, id: A }),
    ]);
    expect(asked).toEqual([
      [
        { id: A, first: 2, after: null },
        { id: B, first: 1, after: null },
        { id: A, first: 1, after: null },
      ],
    ]);
    expect([a2, b1, a1].map((rows) => rows.map((row) => row.id))).toEqual([
      [`${A}#0`, `${A}#1`],
      [`${B}#0`],
      [`${A}#0`],
    ]);
    expect(a2again).toBe(a2);
  });

  it("drops the `after` row the rows of a key with `after` start with, and refuses an `after` they lack", async () => {
    const [newer, older] = ["00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000001"];
    const list = [newer, older];
    const loader = createSliceLoader(async (keys: SliceKey[]) =>
      // What the SQL does: from `after` itself on if it is in the list, else from the newest; one more row.
      keys.flatMap((key, slice) => {
        const from = Math.max(key.after === null ? 0 : list.indexOf(key.after), 0);
        return list.slice(from, from + key.first + (key.after === null ? 0 : 1)).map((id) => ({ slice, id }));
      }),
    );
    expect(await loader.load({ id: A, first: 1, after: newer })).toEqual([{ slice: 0, id: older }]);
    expect(await loader.load({ id: A, first: 5, after: older })).toEqual([]);
    await expect(loader.load({ id: A, first: 1, after: B })).rejects.toMatchObject({
      message: "after: must be the id of an item of this list",
      extensions: { code: "BAD_USER_INPUT", field: "after" },
    });
  });

  it("answers an id that is not a UUID with an empty list, and an `after` that is not one with BAD_USER_INPUT, without asking the database", async () => {
    let queried = false;
    const loader = createSliceLoader(async () => {
      queried = true;
      return [];
    });
    expect(await loader.load({ id: "not-a-uuid", first: 20, after: null })).toEqual([]);
    for (const key of [
      { id: A, first: 20, after: "not-a-uuid" },
      { id: "not-a-uuid", first: 20, after: B },
    ]) {
      await expect(loader.load(key)).rejects.toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "after" } });
    }
    expect(queried).toBe(false);
  });
});
