import { describe, expect, it } from "vitest";
import { createInternalTokenSigner, signInternalToken, verifyInternalToken } from "./internal-token.ts";

const secret = "i".repeat(40);

describe("internal tokens", () => {
  it("carries the caller and the viewer, or an anonymous viewer", () => {
    const viewer = { userId: "u1", role: "CUSTOMER" as const };
    expect(verifyInternalToken(signInternalToken({ caller: "router", viewer }, secret), secret)).toEqual({
      caller: "router",
      viewer,
    });
    expect(verifyInternalToken(signInternalToken({ caller: "orders", viewer: null }, secret), secret)).toEqual({
      caller: "orders",
      viewer: null,
    });
  });

  it("carries the client's address when the caller names one", () => {
    const token = signInternalToken({ caller: "router", viewer: null, clientIp: "203.0.113.7" }, secret);
    expect(verifyInternalToken(token, secret)).toEqual({ caller: "router", viewer: null, clientIp: "203.0.113.7" });
    const sign = createInternalTokenSigner("router", secret);
    expect(verifyInternalToken(sign(null, "203.0.113.8"), secret)?.clientIp).toBe("203.0.113.8");
    expect(sign(null, "203.0.113.8")).not.toBe(sign(null, "203.0.113.9"));
  });

  it("rejects missing and forged tokens", () => {
    expect(verifyInternalToken(undefined, secret)).toBeNull();
    expect(
      verifyInternalToken(signInternalToken({ caller: "router", viewer: null }, "x".repeat(40)), secret),
    ).toBeNull();
    expect(verifyInternalToken("garbage", secret)).toBeNull();
  });

  it("reuses a signed token per viewer until it nears expiry", () => {
    const sign = createInternalTokenSigner("router", secret);
    const viewer = { userId: "u1", role: "ADMIN" as const };
    expect(sign(viewer)).toBe(sign(viewer));
    expect(sign(viewer)).not.toBe(sign(null));
    expect(verifyInternalToken(sign(viewer), secret)?.viewer).toEqual(viewer);
  });
});
