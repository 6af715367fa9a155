import { INTERNAL_TOKEN_HEADER, signInternalToken } from "@supergraph/kit/runtime";
import { loadConfig } from "@supergraph/router";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signUp, signUpAdmin, startStack, testEnv, uniqueEmail } from "../harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const jwtConfig = () => loadConfig(testEnv()).jwt;
const ME = `{ me { id name email role } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email name role } } }`;
const LOG_IN = `mutation($email: String!, $password: String!) { logIn(email: $email, password: $password) { token user { id email } } }`;

describe("sign-up and log-in", () => {
  it("signs up a customer and returns a token that works for `me`", async () => {
    const email = uniqueEmail("signup");
    const result = await stack.gql<{ signUp: { token: string; user: { id: string; email: string; role: string } } }>(
      SIGN_UP,
      { input: { email, password: "long enough", name: "Sam" } },
    );
    expect(result.status).toBe(200);
    expect(result.data?.signUp.user).toMatchObject({ email, role: "CUSTOMER" });
    const me = await stack.gql(ME, {}, { token: result.data?.signUp.token });
    expect(me.data).toEqual({ me: { id: result.data?.signUp.user.id, name: "Sam", email, role: "CUSTOMER" } });
  });

  it("refuses a duplicate email, whatever its case, with BAD_USER_INPUT and HTTP 400", async () => {
    const user = await signUp(stack);
    const result = await stack.gql(SIGN_UP, {
      input: { email: user.email.toUpperCase(), password: "long enough", name: "Twin" },
    });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/already exists/);
  });

  it.each([
    ["an invalid email", { email: "not-an-email", password: "long enough", name: "X" }, "input.email"],
    ["a short password", { email: uniqueEmail(), password: "short", name: "X" }, "input.password"],
    ["an empty name", { email: uniqueEmail(), password: "long enough", name: "  " }, "input.name"],
    ["an over-long name", { email: uniqueEmail(), password: "long enough", name: "x".repeat(101) }, "input.name"],
  ])("refuses %s with BAD_USER_INPUT naming the field", async (_label, input, field) => {
    const result = await stack.gql(SIGN_UP, { input });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
  });

  it("logs in with the right password", async () => {
    const user = await signUp(stack);
    const result = await stack.gql<{ logIn: { token: string; user: { id: string; email: string } } }>(LOG_IN, {
      email: user.email,
      password: "correct horse",
    });
    expect(result.data?.logIn.user).toEqual({ id: user.id, email: user.email });
    const me = await stack.gql<{ me: { id: string } }>(ME, {}, { token: result.data?.logIn.token });
    expect(me.data?.me.id).toBe(user.id);
  });

  it("answers a wrong password and an unknown email the same way: UNAUTHENTICATED, HTTP 401", async () => {
    const user = await signUp(stack);
    const wrongPassword = await stack.gql(LOG_IN, { email: user.email, password: "wrong password" });
    const unknownEmail = await stack.gql(LOG_IN, { email: uniqueEmail("nobody"), password: "correct horse" });
    for (const result of [wrongPassword, unknownEmail]) {
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect(wrongPassword.errors?.[0]?.message).toBe(unknownEmail.errors?.[0]?.message);
  });
});

describe("bearer tokens at the router", () => {
  it("treats a request without a token as anonymous", async () => {
    const result = await stack.gql(ME);
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ me: null });
  });

  const forged: Array<[string, () => string]> = [
    [
      "signed with another secret",
      () =>
        jwt.sign({ role: "ADMIN" }, "x".repeat(40), {
          subject: "someone",
          issuer: jwtConfig().issuer,
          audience: jwtConfig().audience,
          expiresIn: 60,
        }),
    ],
    [
      "expired",
      () =>
        jwt.sign({ role: "CUSTOMER", exp: Math.floor(Date.now() / 1000) - 60 }, jwtConfig().secret, {
          subject: "someone",
          issuer: jwtConfig().issuer,
          audience: jwtConfig().audience,
        }),
    ],
    [
      "for another audience",
      () =>
        jwt.sign({ role: "CUSTOMER" }, jwtConfig().secret, {
          subject: "someone",
          issuer: jwtConfig().issuer,
          audience: "another-api",
          expiresIn: 60,
        }),
    ],
    [
      "from another issuer",
      () =>
        jwt.sign({ role: "CUSTOMER" }, jwtConfig().secret, {
          subject: "someone",
          issuer: "evil",
          audience: jwtConfig().audience,
          expiresIn: 60,
        }),
    ],
    [
      "unsigned (alg none)",
      () =>
        jwt.sign({ role: "ADMIN", sub: "someone", iss: jwtConfig().issuer, aud: jwtConfig().audience }, "", {
          algorithm: "none",
        }),
    ],
    [
      "signed with a weaker algorithm (HS384 with the right secret is still not the pinned HS256)",
      () =>
        jwt.sign({ role: "ADMIN" }, jwtConfig().secret, {
          algorithm: "HS384",
          subject: "someone",
          issuer: jwtConfig().issuer,
          audience: jwtConfig().audience,
          expiresIn: 60,
        }),
    ],
    ["garbage", () => "not.a.jwt"],
  ];
  it.each(forged)("refuses a token %s with 401 UNAUTHENTICATED, not as anonymous", async (_label, makeToken) => {
    const result = await stack.gql(ME, {}, { token: makeToken() });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(result.data ?? null).toBeNull();
  });

  it("reads the scheme in any case, as HTTP does (RFC 9110)", async () => {
    const user = await signUp(stack, "Case Insensitive");
    for (const scheme of ["bearer", "BEARER"]) {
      const result = await stack.gql<{ me: { id: string } }>(
        ME,
        {},
        { headers: { authorization: `${scheme} ${user.token}` } },
      );
      expect(result.data?.me.id, scheme).toBe(user.id);
    }
  });

  it("refuses an Authorization header that is not a bearer token", async () => {
    const result = await stack.gql(ME, {}, { headers: { authorization: "Basic YWRtaW46YWRtaW4=" } });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("identity headers", () => {
  it("ignores identity headers a client sends itself, even a validly signed internal token", async () => {
    const admin = await signUpAdmin(stack);
    const spoofed = {
      [INTERNAL_TOKEN_HEADER]: signInternalToken(
        { caller: "router", viewer: { userId: admin.id, role: "ADMIN" } },
        loadConfig(testEnv()).internalTokenSecret,
      ),
      "x-user-id": admin.id,
      "x-user-role": "ADMIN",
    };
    const me = await stack.gql(ME, {}, { headers: spoofed });
    expect(me.data).toEqual({ me: null });
    const create = await stack.gql(
      `mutation { createProduct(input: { sku: "SPOOF-1", name: "Spoof", priceCents: 1, stock: 1 }) { id } }`,
      {},
      { headers: spoofed },
    );
    expect(create.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("subgraphs refuse requests that did not come through the router", async () => {
    for (const subgraph of [stack.users, stack.products, stack.orders, stack.posts]) {
      const direct = await fetch(subgraph.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user-id": "someone", "x-user-role": "ADMIN" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(direct.status).toBe(401);
      const body = (await direct.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
      const forgedInternal = await fetch(subgraph.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [INTERNAL_TOKEN_HEADER]: signInternalToken({ caller: "router", viewer: null }, "y".repeat(40)),
        },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(forgedInternal.status).toBe(401);
    }
  });
});

describe("who sees an email", () => {
  it("shows an email to its owner and to admins, and null to other users and to anonymous callers", async () => {
    const owner = await signUp(stack);
    const other = await signUp(stack);
    const admin = await signUpAdmin(stack);
    const query = `query($id: ID!) { user(id: $id) { id name email } }`;
    const asOwner = await stack.gql<{ user: { email: string | null } }>(
      query,
      { id: owner.id },
      { token: owner.token },
    );
    const asAdmin = await stack.gql<{ user: { email: string | null } }>(
      query,
      { id: owner.id },
      { token: admin.token },
    );
    const asOther = await stack.gql<{ user: { email: string | null } }>(
      query,
      { id: owner.id },
      { token: other.token },
    );
    const asAnonymous = await stack.gql<{ user: { email: string | null } }>(query, { id: owner.id });
    expect(asOwner.data?.user.email).toBe(owner.email);
    expect(asAdmin.data?.user.email).toBe(owner.email);
    expect(asOther.data?.user.email).toBeNull();
    expect(asAnonymous.data?.user.email).toBeNull();
  });

  it("returns null for an unknown or malformed user id", async () => {
    const result = await stack.gql(
      `{ a: user(id: "00000000-0000-4000-8000-00000000dead") { id } b: user(id: "nope") { id } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ a: null, b: null });
  });
});
