import * as users from "@supergraph/users";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GqlResult,
  gql,
  metricTotal,
  type SignedIn,
  type Stack,
  signUp,
  startStack,
  testEnv,
  uniqueEmail,
} from "../harness.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

// Issue #26 (High): logIn was a cheap denial of service. Nothing throttled it (0 of 200 wrong passwords for
// one account were refused), and every attempt ran a 128 MiB scrypt hash, so 10 parallel logIns from one
// anonymous client made everyone's log-ins take 7-10 s and 8 pushed the users pod past its memory limit.

const LOG_IN = `mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;
const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token } }`;

/** A logIn from `ip`, as a trusted proxy in front of the router reports it (X-Forwarded-For). */
const logInFrom = (url: string, ip: string, email: string, password: string) =>
  gql<{ logIn: { token: string } }>(url, LOG_IN, { email, password }, { headers: { "x-forwarded-for": ip } });

let lastIp = 0;
/** A client address of its own per test, so no test spends another's per-client budget. */
const newClient = () => `198.51.100.${++lastIp}`;

const code = (result: GqlResult<unknown>) => result.errors?.[0]?.extensions?.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("log-in brute-force limits, through the router", () => {
  let stack: Stack;
  let victim: SignedIn;

  beforeAll(async () => {
    stack = await startStack({
      usersEnv: { LOGIN_MAX_CONSECUTIVE_FAILS: "3", LOGIN_BLOCK_SECONDS: "2", LOGIN_MAX_FAILS_PER_IP_PER_DAY: "6" },
      routerEnv: { TRUSTED_PROXIES: "127.0.0.1" },
    });
    victim = await signUp(stack, "Vic Victim");
  });
  afterAll(() => stack?.close());

  it("blocks an account after N wrong passwords in a row with 429 RATE_LIMITED and Retry-After, even for the right password, until the block ends", async () => {
    const attacker = newClient();
    for (let attempt = 0; attempt < 3; attempt++) {
      const wrong = await logInFrom(stack.routerUrl, attacker, victim.email, `guess-${attempt}`);
      expect([wrong.status, code(wrong)]).toEqual([401, "UNAUTHENTICATED"]);
    }
    // The account is blocked for everyone, its owner from another address included.
    const owner = await logInFrom(stack.routerUrl, newClient(), victim.email, "correct horse");
    expect(owner.status).toBe(429);
    expect(code(owner)).toBe("RATE_LIMITED");
    const retryAfter = Number(owner.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(owner.errors?.[0]?.extensions?.retryAfterSeconds).toBe(retryAfter);
    expect(owner.data).toBeNull();

    await sleep(retryAfter * 1000 + 100);
    const later = await logInFrom(stack.routerUrl, newClient(), victim.email, "correct horse");
    expect(later.status).toBe(200);
    expect(later.data?.logIn.token).toEqual(expect.any(String));
  });

  it("counts deleteMe's password check as a log-in: a stolen token cannot guess the password past the limits", async () => {
    const owner = await signUp(stack, "Deletable");
    const deleteMe = (password: string) =>
      gql<{ deleteMe: boolean }>(
        stack.routerUrl,
        `mutation($password: String!) { deleteMe(password: $password) }`,
        { password },
        { token: owner.token, headers: { "x-forwarded-for": newClient() } },
      );
    for (let attempt = 0; attempt < 3; attempt++) {
      const wrong = await deleteMe(`guess-${attempt}`);
      expect([wrong.status, code(wrong)]).toEqual([401, "UNAUTHENTICATED"]);
    }
    // Blocked now, for deleteMe and logIn alike, the right password included.
    const blocked = await deleteMe("correct horse");
    expect([blocked.status, code(blocked)]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const logIn = await logInFrom(stack.routerUrl, newClient(), owner.email, "correct horse");
    expect(logIn.status).toBe(429);
    await sleep(Number(blocked.headers.get("retry-after")) * 1000 + 100);
    const deleted = await deleteMe("correct horse");
    expect([deleted.status, deleted.data?.deleteMe]).toEqual([200, true]);
  });

  it("resets an account's count of failures on a successful log-in: N more failures are allowed after it, not one more", async () => {
    const owner = await signUp(stack, "Forgetful");
    const attempt = (password: string) => logInFrom(stack.routerUrl, newClient(), owner.email, password);
    for (let tries = 0; tries < 2; tries++) expect((await attempt("nope-nope")).status).toBe(401);
    expect((await attempt("correct horse")).status).toBe(200);
    for (let tries = 0; tries < 3; tries++) expect((await attempt("nope-nope")).status).toBe(401);
    expect((await attempt("correct horse")).status).toBe(429);
  });

  it("throttles one client flooding logIns in parallel, while another client still logs in at once", async () => {
    const flooder = newClient();
    const flood = Promise.all(
      Array.from({ length: 20 }, () => logInFrom(stack.routerUrl, flooder, uniqueEmail("flood"), "wrong-password")),
    );
    const started = Date.now();
    const legit = await logInFrom(stack.routerUrl, newClient(), victim.email, "correct horse");
    const legitMs = Date.now() - started;
    const floods = await flood;

    expect(legit.status).toBe(200);
    expect(legitMs).toBeLessThan(3000);
    const statuses = floods.map((result) => result.status);
    // 6 failures a day per client: the rest are refused before any hashing.
    expect(statuses.filter((status) => status === 401)).toHaveLength(6);
    expect(statuses.filter((status) => status === 429)).toHaveLength(14);
    for (const refused of floods.filter((result) => result.status === 429)) {
      expect(code(refused)).toBe("RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(
      await metricTotal(stack.users.url, 'auth_refusals_total{operation="logIn",reason="rate_limited"'),
    ).toBeGreaterThanOrEqual(14);
  });

  it("answers a wrong email exactly as a wrong password, and counts it the same", async () => {
    const owner = await signUp(stack, "Known");
    const nobody = uniqueEmail("nobody");
    const wrongPassword = await logInFrom(stack.routerUrl, newClient(), owner.email, "not-the-password");
    const wrongEmail = await logInFrom(stack.routerUrl, newClient(), nobody, "not-the-password");
    expect(wrongEmail.status).toBe(wrongPassword.status);
    expect({ data: wrongEmail.data, errors: wrongEmail.errors }).toEqual({
      data: wrongPassword.data,
      errors: wrongPassword.errors,
    });
    expect(wrongEmail.errors?.[0]?.message).toBe("Wrong email or password.");

    // An unknown email spends the account limit too: blocked after the same number of failures.
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await logInFrom(stack.routerUrl, newClient(), owner.email, "x-x-x-x-x")).status).toBe(401);
      expect((await logInFrom(stack.routerUrl, newClient(), nobody, "x-x-x-x-x")).status).toBe(401);
    }
    const blockedKnown = await logInFrom(stack.routerUrl, newClient(), owner.email, "x-x-x-x-x");
    const blockedUnknown = await logInFrom(stack.routerUrl, newClient(), nobody, "x-x-x-x-x");
    expect([blockedKnown.status, code(blockedKnown)]).toEqual([429, "RATE_LIMITED"]);
    expect([blockedUnknown.status, code(blockedUnknown)]).toEqual([429, "RATE_LIMITED"]);
    expect(blockedUnknown.errors?.[0]?.message).toBe(blockedKnown.errors?.[0]?.message);
  });
});

describe("sign-ups per client address, through the router", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      usersEnv: { SIGNUP_MAX_PER_IP_PER_HOUR: "2" },
      routerEnv: { TRUSTED_PROXIES: "127.0.0.1" },
    });
  });
  afterAll(() => stack?.close());

  it("refuses a client's sign-ups beyond the hour's allowance with 429 and Retry-After, before hashing; other clients still sign up", async () => {
    const signUpFrom = (ip: string) =>
      gql<{ signUp: { token: string } }>(
        stack.routerUrl,
        SIGN_UP,
        { input: { email: uniqueEmail(), name: "Flood", password: "correct horse" } },
        { headers: { "x-forwarded-for": ip } },
      );
    const flooder = newClient();
    for (let signUp = 0; signUp < 2; signUp++) expect((await signUpFrom(flooder)).status).toBe(200);
    const refused = await signUpFrom(flooder);
    expect([refused.status, code(refused)]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await metricTotal(stack.users.url, 'auth_refusals_total{operation="signUp",reason="rate_limited"')).toBe(1);
    const other = await signUpFrom(newClient());
    expect([other.status, other.data?.signUp.token]).toEqual([200, expect.any(String)]);
  });
});

describe("password hashes in flight, through the router", () => {
  let stack: Stack;

  beforeAll(async () => {
    // One slot, two places in the queue, 100 ms of waiting; cost 16 (64 MiB, tens of ms) so hashes overlap.
    stack = await startStack({
      usersEnv: {
        PASSWORD_HASH_COST: "16",
        PASSWORD_HASH_CONCURRENCY: "1",
        PASSWORD_HASH_QUEUE_LENGTH: "2",
        PASSWORD_HASH_QUEUE_MS: "100",
      },
    });
  });
  afterAll(() => stack?.close());

  it("never runs more hashes than the bound, and refuses the excess with 503 SERVICE_UNAVAILABLE at once instead of queueing it", async () => {
    const started = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        stack.gql(SIGN_UP, {
          input: { email: uniqueEmail("burst"), password: "correct horse", name: `Burst ${index}` },
        }),
      ),
    );
    const elapsedMs = Date.now() - started;
    const refused = burst.filter((result) => result.status === 503);
    expect(burst.filter((result) => result.status === 200).length).toBeGreaterThanOrEqual(1);
    // One runs and two may wait: at least the other seven are refused without waiting at all.
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(refused.length + burst.filter((result) => result.status === 200).length).toBe(10);
    for (const result of refused) expect(code(result)).toBe("SERVICE_UNAVAILABLE");
    expect(elapsedMs).toBeLessThan(5000);

    expect(await metricTotal(stack.users.url, "password_hashes_in_flight_max")).toBe(1);
    expect(await metricTotal(stack.users.url, "password_hashes_in_flight ")).toBe(0);
    expect(await metricTotal(stack.users.url, 'auth_refusals_total{operation="signUp",reason="busy"')).toBe(
      refused.length,
    );
  });
});

const redisUp = await redisAvailable();

describe.runIf(redisUp)("log-in limits shared through Redis by two users processes", () => {
  let stack: Stack;
  let second: Awaited<ReturnType<typeof users.startUsersSubgraph>>;
  const prefix = uniquePrefix("login");
  const shared = {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    LOGIN_MAX_CONSECUTIVE_FAILS: "3",
    LOGIN_BLOCK_SECONDS: "60",
  };

  beforeAll(async () => {
    stack = await startStack({ usersEnv: shared, routerEnv: { TRUSTED_PROXIES: "127.0.0.1" } });
    second = await users.startUsersSubgraph(
      users.loadConfig(testEnv({ USERS_PORT: "0", USERS_DATABASE_URL: stack.users.connectionString, ...shared })),
      stack.users.logger,
    );
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
    await deleteKeys(prefix);
  });

  it("counts an account's failures across both: the third through one, then the fourth through the other, is blocked", async () => {
    const owner = await signUp(stack, "Shared");
    const other = await stack.startRouter({ USERS_URL: second.url });
    expect((await logInFrom(stack.routerUrl, newClient(), owner.email, "wrong-one")).status).toBe(401);
    expect((await logInFrom(other.url, newClient(), owner.email, "wrong-two")).status).toBe(401);
    expect((await logInFrom(stack.routerUrl, newClient(), owner.email, "wrong-three")).status).toBe(401);
    const blocked = await logInFrom(other.url, newClient(), owner.email, "correct horse");
    expect([blocked.status, code(blocked)]).toEqual([429, "RATE_LIMITED"]);
    await other.close();
  });
});
