import { buildSchema, graphql } from "graphql";
import { describe, expect, it } from "vitest";
import { nulBytePath, refuseNulBytes } from "./nul-bytes.ts";

describe("NUL bytes in arguments (Postgres error 22021 was a 500, #26)", () => {
  const schema = refuseNulBytes(
    buildSchema(`
      input Line { name: String! }
      input Item { lines: [Line!]! }
      type Query { echo(text: String, item: Item): String, plain: String }
    `),
  );
  const rootValue = { echo: ({ text }: { text?: string }) => text ?? "ok", plain: "plain" };

  it("names the nested path of the first offending string", () => {
    expect(nulBytePath({ lines: [{ name: "a" }, { name: "b\u0000" }] }, "item")).toBe("item.lines.1.name");
    expect(nulBytePath({ lines: [{ name: "a" }] }, "item")).toBeUndefined();
  });

  it.each([
    ["an inline argument", `{ echo(text: "a\\u0000b") }`, {}, "text"],
    ["a variable", `query($t: String) { echo(text: $t) }`, { t: "a\u0000b" }, "text"],
    [
      "a nested input field",
      `query($i: Item) { echo(item: $i) }`,
      { i: { lines: [{ name: "ok" }, { name: "\u0000" }] } },
      "item.lines.1.name",
    ],
  ])("refuses %s with BAD_USER_INPUT naming the field", async (_label, source, variableValues, field) => {
    const result = await graphql({ schema, source, rootValue, variableValues });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
  });

  it("leaves clean arguments and fields without arguments alone", async () => {
    const result = await graphql({ schema, source: `{ echo(text: "fine") plain }`, rootValue });
    expect(result).toEqual({ data: { echo: "fine", plain: "plain" } });
  });
});
