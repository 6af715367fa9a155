import { hash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_CHARS, querySha256, remembered } from "./query-hash.ts";

const plain = (text: string) => hash("sha256", text, "hex");
/** The same text in a string of its own (as each request body's parse makes it). */
const copy = (text: string) => [...text].join("");

describe("a query's SHA-256, remembered", () => {
  it("is SHA-256 in hex, the first time and every time after", () => {
    const query = `query Product { product(id: "1") { name priceCents reviews { body author { name } } } }`;
    for (const text of ["", "{ a }", query, `${query} é\u0000ü`, query]) {
      expect(querySha256(text)).toBe(plain(text));
      expect(querySha256(copy(text))).toBe(plain(text));
    }
  });

  it("stays within its budget, whatever it is given, and stays right across a restart", () => {
    const query = `query Before { ${"a ".repeat(100)}}`;
    querySha256(query);
    // Many distinct texts: each weighs its digest and map slot too, so the count is bounded as well.
    for (let index = 0; index < 40_000; index++) querySha256(`query Q${index} { ${"b ".repeat(40)}}`);
    expect(remembered().weight).toBeLessThanOrEqual(MAX_CHARS);
    expect(remembered().texts).toBeLessThan(MAX_CHARS / 128);
    // One text larger than the budget is hashed, not kept.
    const huge = "x".repeat(MAX_CHARS + 10);
    expect(querySha256(huge)).toBe(plain(huge));
    expect(remembered().weight).toBeLessThanOrEqual(MAX_CHARS);
    expect(querySha256(query)).toBe(plain(query));
  });
});
