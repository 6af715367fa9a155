import { describe, expect, it } from "vitest";
import { hashPassword, scryptMemoryBytes, verifyPassword } from "./passwords.ts";

describe("password hashing", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse", 10);
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("wrong horse", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same", 10)).not.toBe(await hashPassword("same", 10));
  });

  it("keeps verifying hashes made at an older cost", async () => {
    const old = await hashPassword("correct horse", 11);
    expect(await verifyPassword("correct horse", old)).toBe(true);
  });

  it("holds 128 MiB per hash at the production cost, and never more than scrypt's maxmem allows", async () => {
    expect(Math.round(scryptMemoryBytes(17) / 2 ** 20)).toBe(128);
    // A tampered row asking for cost 24 (2 GiB) is refused without hashing.
    const huge = (await hashPassword("x", 10)).replace(/^scrypt\$10\$/, "scrypt$24$");
    expect(await verifyPassword("x", huge)).toBe(false);
  });

  it("refuses a malformed stored hash", async () => {
    expect(await verifyPassword("x", "plaintext")).toBe(false);
  });
});
