import { createLogger } from "@supergraph/kit/runtime";
import { describe, expect, it } from "vitest";
import { createRevocations } from "./revocations.ts";

const inMemory = () =>
  createRevocations({
    redis: undefined,
    keyPrefix: "t:",
    ttlSeconds: 900,
    timeoutMs: 50,
    maxBytes: 2 ** 20,
    logger: createLogger("test", "silent"),
  });
const now = () => Math.floor(Date.now() / 1000);
const token = (overrides: { sessionId?: string; issuedAt?: number } = {}) => ({
  userId: "u1",
  role: "CUSTOMER" as const,
  sessionId: "s1",
  issuedAt: now() - 10,
  expiresAt: now() + 890,
  ...overrides,
});

describe("revocations (in memory)", () => {
  it("refuses a revoked session's tokens and no other session's", async () => {
    const revocations = inMemory();
    await revocations.revoke(["session:s1"]);
    expect(await revocations.isRevoked(token())).toBe(true);
    expect(await revocations.isRevoked(token({ sessionId: "s2" }))).toBe(false);
  });

  it("refuses a revoked user's tokens issued until the revocation, sessionless ones included, not later ones", async () => {
    const revocations = inMemory();
    await revocations.revoke(["user:u1"]);
    expect(await revocations.isRevoked(token())).toBe(true);
    expect(await revocations.isRevoked(token({ sessionId: undefined }))).toBe(true);
    expect(await revocations.isRevoked(token({ issuedAt: now() + 5 }))).toBe(false);
  });

  it("ignores entries it does not know", async () => {
    const revocations = inMemory();
    await revocations.revoke(["everything", "session:", "user:u1 extra"]);
    expect(await revocations.isRevoked(token())).toBe(false);
  });

  it("holds at most REVOCATIONS_MAX_BYTES, and warns when it forgets a revocation early", async () => {
    const lines: string[] = [];
    const revocations = createRevocations({
      redis: undefined,
      keyPrefix: "t:",
      ttlSeconds: 900,
      timeoutMs: 50,
      maxBytes: 4096,
      logger: createLogger("test", "warn", { write: (line: string) => void lines.push(line) }),
    });
    for (let index = 0; index < 200; index++) await revocations.revoke([`session:s${index}`]);
    expect(revocations.budget.bytes()).toBeLessThanOrEqual(4096);
    expect(await revocations.isRevoked(token({ sessionId: "s199" }))).toBe(true);
    expect(lines.some((line) => line.includes("REVOCATIONS_MAX_BYTES"))).toBe(true);
  });
});
