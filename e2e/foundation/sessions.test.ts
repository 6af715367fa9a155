import { loadConfig } from "@supergraph/router";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  type GqlResult,
  gql,
  type SignedIn,
  type Stack,
  signUpAdmin,
  startStack,
  testEnv,
  uniqueEmail,
} from "../harness.ts";
import { deleteKeys, redisUrl, uniquePrefix } from "../redis.ts";

// Issue #26: identity and role came from the JWT for up to an hour, whatever happened meanwhile (log-out,
// a deleted account), and a token without `exp` never expired. Two router replicas share Redis here, so
// a revocation made through one must be honoured by the other at once.

const prefix = uniquePrefix("sessions");
let stack: Stack;
let replica: { url: string; close(): Promise<void> };
let productId: string;
let admin: SignedIn;

beforeAll(async () => {
  stack = await startStack({ routerEnv: { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix } });
  replica = await stack.startRouter();
  admin = await signUpAdmin(stack);
  productId = (await createProduct(stack, admin, { stock: 100 })).id;
});
afterAll(async () => {
  await stack?.close();
  await deleteKeys(prefix);
});

const AUTH_FIELDS = `token refreshToken user { id }`;
type Auth = { token: string; refreshToken: string; user: { id: string } };

async function signUp(): Promise<Auth & { email: string }> {
  const email = uniqueEmail("session");
  const result = await stack.gql<{ signUp: Auth }>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`,
    {
      input: { email, password: "correct horse", name: "Session User" },
    },
  );
  if (!result.data?.signUp) throw new Error(JSON.stringify(result.errors));
  return { ...result.data.signUp, email };
}

const refresh = (token: string) =>
  stack.gql<{ refreshToken: Auth }>(`mutation($token: String!) { refreshToken(token: $token) { ${AUTH_FIELDS} } }`, {
    token,
  });
const meOn = (url: string, token: string) => gql<{ me: { id: string } | null }>(url, `{ me { id } }`, {}, { token });
const routers = () => [stack.routerUrl, replica.url];

function expectUnauthenticated(result: GqlResult<unknown>) {
  expect(result.status).toBe(401);
  expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
}

it("refuses a token without exp with 401, which would never expire", async () => {
  const user = await signUp();
  const { jwt: settings } = loadConfig(testEnv());
  const forever = jwt.sign({ role: "CUSTOMER" }, settings.secret, {
    algorithm: "HS256",
    subject: user.user.id,
    issuer: settings.issuer,
    audience: settings.audience,
  });
  expectUnauthenticated(await meOn(stack.routerUrl, forever));
});

it("issues access tokens that expire in 15 minutes by default, with a session id", async () => {
  const user = await signUp();
  const claims = jwt.decode(user.token) as { exp: number; iat: number; sid: string };
  expect(claims.exp - claims.iat).toBe(900);
  expect(claims.sid).toEqual(expect.any(String));
});

describe("refresh tokens", () => {
  it("rotate: the new pair works, the old refresh token is refused", async () => {
    const user = await signUp();
    const rotated = await refresh(user.refreshToken);
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data!.refreshToken;
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect(next.user.id).toBe(user.user.id);
    expect((await meOn(replica.url, next.token)).data).toEqual({ me: { id: user.user.id } });

    const again = await refresh(user.refreshToken);
    expect(again.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("a reused refresh token ends its whole session: the newer refresh token and the session's access tokens are refused on every replica", async () => {
    const user = await signUp();
    const next = (await refresh(user.refreshToken)).data!.refreshToken;
    const other = await stack.gql<{ logIn: Auth }>(
      `mutation($e: String!) { logIn(email: $e, password: "correct horse") { ${AUTH_FIELDS} } }`,
      { e: user.email },
    );

    expect((await refresh(user.refreshToken)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await refresh(next.refreshToken)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    for (const url of routers()) {
      expectUnauthenticated(await meOn(url, next.token));
      expectUnauthenticated(await meOn(url, user.token));
      // Another session of the same user is untouched.
      expect((await meOn(url, other.data!.logIn.token)).data).toEqual({ me: { id: user.user.id } });
    }
  });

  it("refuses an unknown refresh token", async () => {
    expect((await refresh("not-a-token")).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

it("logOut ends the session at once on every replica; the refresh token is refused too", async () => {
  const user = await signUp();
  for (const url of routers()) expect((await meOn(url, user.token)).data).toEqual({ me: { id: user.user.id } });
  const out = await gql(
    replica.url,
    `mutation($r: String!) { logOut(refreshToken: $r) }`,
    { r: user.refreshToken },
    { token: user.token },
  );
  expect(out.data).toEqual({ logOut: true });
  for (const url of routers()) expectUnauthenticated(await meOn(url, user.token));
  expect((await refresh(user.refreshToken)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});

const orderAndPost = (token: string) => ({
  placeOrder: (url: string) =>
    gql(
      url,
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      { input: { items: [{ productId, quantity: 1 }] } },
      { token },
    ),
  createPost: (url: string) =>
    gql(url, `mutation { createPost(input: { title: "t", body: "b" }) { id } }`, {}, { token }),
});

it("an admin's disableUser refuses the user's tokens at once on every replica; no log-in, no refresh", async () => {
  const user = await signUp();
  const { placeOrder, createPost } = orderAndPost(user.token);
  expect((await createPost(replica.url)).errors).toBeUndefined();

  const DISABLE = `mutation($id: ID!) { disableUser(id: $id) { id } }`;
  expect((await stack.gql(DISABLE, { id: user.user.id }, { token: user.token })).errors?.[0]?.extensions?.code).toBe(
    "FORBIDDEN",
  );
  const disabled = await stack.gql(DISABLE, { id: user.user.id }, { token: admin.token });
  expect(disabled.data).toEqual({ disableUser: { id: user.user.id } });

  for (const url of routers()) {
    expectUnauthenticated(await placeOrder(url));
    expectUnauthenticated(await createPost(url));
  }
  const refused = (await refresh(user.refreshToken)).errors?.[0];
  expect(refused?.extensions?.code).toBe("UNAUTHENTICATED");
  // Not told as a stolen token's reuse: the account was disabled.
  expect(refused?.message).not.toContain("already used");
  const logIn = await stack.gql(`mutation($e: String!) { logIn(email: $e, password: "correct horse") { token } }`, {
    e: user.email,
  });
  expect(logIn.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  // The admin's own token is untouched; an admin cannot disable themselves (the only one would lock
  // administration out).
  expect((await meOn(replica.url, admin.token)).data).toEqual({ me: { id: admin.id } });
  const self = await stack.gql(DISABLE, { id: admin.id }, { token: admin.token });
  expect(self.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  expect((await meOn(replica.url, admin.token)).data).toEqual({ me: { id: admin.id } });
});

it("deleteMe refuses every token of the account at once on every replica: placeOrder and createPost fail with 401", async () => {
  const user = await signUp();
  const { placeOrder, createPost } = orderAndPost(user.token);
  expect((await placeOrder(replica.url)).errors).toBeUndefined();

  const wrong = await stack.gql(`mutation { deleteMe(password: "wrong password") }`, {}, { token: user.token });
  expect(wrong.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  const deleted = await stack.gql(`mutation { deleteMe(password: "correct horse") }`, {}, { token: user.token });
  expect(deleted.data).toEqual({ deleteMe: true });

  for (const url of routers()) {
    expectUnauthenticated(await placeOrder(url));
    expectUnauthenticated(await createPost(url));
  }
  expect((await refresh(user.refreshToken)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});
