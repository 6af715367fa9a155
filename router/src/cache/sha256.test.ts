import { hash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_CHARS, remembered, sha256 } from "./sha256.ts";

const plain = (text: string) => hash("sha256", text, "hex");

describe("sha256, remembered", () => {
  it("is SHA-256 in hex, the first time and every time after", () => {
    for (const text of ["", "{ a }", "query Q { a }", "é\u0000ü", "{ a }"]) {
      expect(sha256(text)).toBe(plain(text));
      expect(sha256(`${text}`)).toBe(plain(text));
    }
  });

  it("stays within its budget, and right across a restart", () => {
    const before = "query Before { a }";
    sha256(before);
    const large = "x".repeat(MAX_CHARS - 10);
    expect(sha256(large)).toBe(plain(large));
    expect(sha256(`${large}yz`)).toBe(plain(`${large}yz`));
    expect(remembered().chars).toBeLessThanOrEqual(MAX_CHARS);
    expect(remembered().texts).toBe(1);
    expect(sha256(before)).toBe(plain(before));
    expect(remembered().chars).toBeLessThanOrEqual(MAX_CHARS);
  });
});
