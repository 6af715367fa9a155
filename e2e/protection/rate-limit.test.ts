import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, type SignedIn, type Stack, signUp, startStack } from "../harness.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

const stores = (await redisAvailable()) ? (["memory", "redis"] as const) : (["memory"] as const);

describe.each(stores)("rate limiting (%s)", (kind) => {
  let stack: Stack;
  let alice: SignedIn;
  let bob: SignedIn;
  const prefix = uniquePrefix(`rl-${kind}`);
  const env: Record<string, string> = {
    RATE_LIMIT_PER_MINUTE: "5",
    ...(kind === "redis" ? { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix } : {}),
  };

  beforeAll(async () => {
    stack = await startStack();
    [alice, bob] = await Promise.all([signUp(stack, "Alice"), signUp(stack, "Bob")]);
  });
  afterAll(async () => {
    await stack?.close();
    if (kind === "redis") await deleteKeys(prefix);
  });

  it("limits one signed-in user with 429, Retry-After and RATE_LIMITED, without limiting another", async () => {
    const router = await stack.startRouter(env);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof gql>> | undefined;
    for (let request = 0; request < 6; request++) {
      last = await gql(router.url, `{ me { id } }`, {}, { token: alice.token });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await gql(router.url, `{ me { id } }`, {}, { token: bob.token });
    expect(other.status).toBe(200);
    expect(other.data).toEqual({ me: { id: bob.id } });
    await router.close();
  });

  it("spends a burst of concurrent requests as one by one: exactly the budget's worth is served", async () => {
    const router = await stack.startRouter(env);
    const carol = await signUp(stack, "Carol");
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => gql(router.url, `{ me { id } }`, {}, { token: carol.token })),
    );
    const statuses = burst.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    for (const refused of burst.filter((response) => response.status === 429))
      expect(refused.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    await router.close();
  });

  it("spends a point for a refused token too: a flood of forged tokens is limited by its address", async () => {
    const behindProxy = await stack.startRouter({ ...env, TRUSTED_PROXIES: "127.0.0.1" });
    const forged = () =>
      gql(
        behindProxy.url,
        `{ __typename }`,
        {},
        { token: "forged.token.here", headers: { "x-forwarded-for": "203.0.113.9" } },
      );
    const statuses: number[] = [];
    for (let request = 0; request < 6; request++) statuses.push((await forged()).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    await behindProxy.close();
  });

  it("limits anonymous clients by IP, believing X-Forwarded-For only from trusted proxies", async () => {
    const behindProxy = await stack.startRouter({ ...env, TRUSTED_PROXIES: "127.0.0.1" });
    const from = (ip: string) => gql(behindProxy.url, `{ __typename }`, {}, { headers: { "x-forwarded-for": ip } });
    for (let request = 0; request < 5; request++) expect((await from("203.0.113.7")).status).toBe(200);
    expect((await from("203.0.113.7")).status).toBe(429);
    expect((await from("203.0.113.8")).status).toBe(200);
    await behindProxy.close();

    // Without a trusted proxy the header is the client's own claim: changing it does not escape the limit.
    const direct = await stack.startRouter(env);
    const spoof = (ip: string) => gql(direct.url, `{ __typename }`, {}, { headers: { "x-forwarded-for": ip } });
    const statuses: number[] = [];
    for (let request = 0; request < 6; request++) statuses.push((await spoof(`198.51.100.${request}`)).status);
    expect(statuses.at(-1)).toBe(429);
    await direct.close();
  });

  it.runIf(kind === "redis")("shares one budget across router replicas", async () => {
    const first = await stack.startRouter(env);
    const second = await stack.startRouter(env);
    const statuses: number[] = [];
    for (let request = 0; request < 6; request++) {
      statuses.push(
        (await gql(request % 2 ? second.url : first.url, `{ me { id } }`, {}, { token: bob.token })).status,
      );
    }
    expect(statuses.at(-1)).toBe(429);
    await Promise.all([first.close(), second.close()]);
  });
});
