import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { InvalidTokenError, signUserToken, verifyUserToken } from "./user-token.ts";

const config = { secret: "s".repeat(40), issuer: "supergraph", audience: "clients", expiresInSeconds: 60 };

describe("user tokens", () => {
  it("round-trips the viewer and its session", () => {
    const token = signUserToken({ userId: "u1", role: "ADMIN" }, config, "s1");
    expect(verifyUserToken(token, config)).toEqual({
      userId: "u1",
      role: "ADMIN",
      sessionId: "s1",
      issuedAt: expect.any(Number),
      expiresAt: expect.any(Number),
    });
  });

  it.each([
    ["another secret", () => signUserToken({ userId: "u1", role: "ADMIN" }, { ...config, secret: "t".repeat(40) })],
    ["another issuer", () => signUserToken({ userId: "u1", role: "ADMIN" }, { ...config, issuer: "x" })],
    ["another audience", () => signUserToken({ userId: "u1", role: "ADMIN" }, { ...config, audience: "x" })],
    [
      "alg none",
      () => jwt.sign({ sub: "u1", role: "ADMIN", iss: config.issuer, aud: config.audience }, "", { algorithm: "none" }),
    ],
    [
      "an unknown role",
      () =>
        jwt.sign({ role: "ROOT" }, config.secret, { subject: "u1", issuer: config.issuer, audience: config.audience }),
    ],
    [
      "no subject",
      () =>
        jwt.sign({ role: "ADMIN" }, config.secret, { issuer: config.issuer, audience: config.audience, expiresIn: 60 }),
    ],
  ])("refuses a token with %s", (_label, make) => {
    expect(() => verifyUserToken(make(), config)).toThrow(InvalidTokenError);
  });

  it("refuses a token without exp, which would never expire (#26)", () => {
    const token = jwt.sign({ role: "ADMIN" }, config.secret, {
      subject: "u1",
      issuer: config.issuer,
      audience: config.audience,
    });
    expect(() => verifyUserToken(token, config)).toThrow("The token has no expiry.");
  });

  it("says when a token has expired", () => {
    const token = signUserToken({ userId: "u1", role: "CUSTOMER" }, { ...config, expiresInSeconds: -10 });
    expect(() => verifyUserToken(token, config)).toThrow("The token has expired.");
  });
});
