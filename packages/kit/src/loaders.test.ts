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
        Array.from({ length: key.first }, (_, n) => ({ slice, row: `${key.id}#${n}` })),
      );
    });
    const [a2, b1, a1, a2again] = await Promise.all([
      loader.load({ id: A, first: 2 }),
      loader.load({ id: B, first: 1 }),
      loader.load({ id: A, first: 1 }),
      loader.load({ first: 2, id: A }),
    ]);
    expect(asked).toEqual([
      [
        { id: A, first: 2 },
        { id: B, first: 1 },
        { id: A, first: 1 },
      ],
    ]);
    expect([a2, b1, a1].map((rows) => rows.map((row) => row.row))).toEqual([
      [`${A}#0`, `${A}#1`],
      [`${B}#0`],
      [`${A}#0`],
    ]);
    expect(a2again).toBe(a2);
  });

  it("answers an id that is not a UUID with an empty list, without asking the database", async () => {
    let queried = false;
    const loader = createSliceLoader(async () => {
      queried = true;
      return [];
    });
    expect(await loader.load({ id: "not-a-uuid", first: 20 })).toEqual([]);
    expect(queried).toBe(false);
  });
});
