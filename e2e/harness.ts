import { createTestDatabase, type TestDatabase } from "@supergraph/db/testing";
import { createLogger, type Logger, type RunningSubgraph } from "@supergraph/kit";
import * as products from "@supergraph/products";
import { loadConfig as loadRouterConfig, startRouter } from "@supergraph/router";
import * as users from "@supergraph/users";

/**
 * The whole supergraph for a test file: every subgraph on a fresh database of its own (real Postgres
 * when reachable, embedded otherwise), each a real HTTP server on a free port, and the real router in
 * front. Tests talk to the router over HTTP, as clients do; `close()` stops everything and drops the
 * databases.
 */
export interface Stack {
  routerUrl: string;
  users: RunningSubgraph<users.Db>;
  products: RunningSubgraph<products.Db>;
  databaseKind: TestDatabase["kind"];
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
}

export interface GqlResult<T> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: Array<{ message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }> | undefined;
}

const quiet = (): Logger => createLogger("test", process.env.TEST_LOG_LEVEL ?? "silent");

export const testEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  LOG_LEVEL: "silent",
  // scrypt at cost 2^17 takes ~0.3 s per hash; tests sign up many users, so they use a cheaper one.
  PASSWORD_HASH_COST: "12",
  ...extra,
});

export async function startStack(): Promise<Stack> {
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const usersDb = await createTestDatabase("users");
    cleanup.push(() => usersDb.drop());
    const productsDb = await createTestDatabase("products");
    cleanup.push(() => productsDb.drop());

    const usersSubgraph = await users.startUsersSubgraph(
      users.loadConfig(testEnv({ USERS_PORT: "0", USERS_DATABASE_URL: usersDb.connectionString })),
      quiet(),
    );
    cleanup.push(() => usersSubgraph.close());
    const productsSubgraph = await products.startProductsSubgraph(
      products.loadConfig(testEnv({ PRODUCTS_PORT: "0", PRODUCTS_DATABASE_URL: productsDb.connectionString })),
      quiet(),
    );
    cleanup.push(() => productsSubgraph.close());

    const router = await startRouter(
      loadRouterConfig(testEnv({ PORT: "0", USERS_URL: usersSubgraph.url, PRODUCTS_URL: productsSubgraph.url })),
      quiet(),
    );
    cleanup.push(() => router.close());

    return {
      routerUrl: router.url,
      users: usersSubgraph,
      products: productsSubgraph,
      databaseKind: usersDb.kind,
      gql: (query, variables, options) => gql(router.url, query, variables, options),
      close: () => closeAll(cleanup),
    };
  } catch (error) {
    await closeAll(cleanup);
    throw error;
  }
}

async function closeAll(cleanup: Array<() => Promise<void>>): Promise<void> {
  for (const step of cleanup.reverse()) await step().catch(() => {});
}

export async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GqlResult<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlResult<T>["errors"] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** Total SQL statements a service has sent so far, read from its `GET /metrics` like Prometheus would. */
export async function sqlStatementCount(subgraphUrl: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", subgraphUrl))).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("db_query_duration_seconds_count")) total += Number(line.split(" ").at(-1));
  }
  return total;
}

let counter = 0;
/** A unique email per call, so tests never collide on data. */
export const uniqueEmail = (label = "user") => `${label}-${process.pid}-${Date.now()}-${counter++}@example.com`;

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id email name role } } }`;

export interface SignedIn {
  token: string;
  id: string;
  email: string;
}

export async function signUp(stack: Stack, name = "Test User"): Promise<SignedIn> {
  const email = uniqueEmail();
  const result = await stack.gql<{ signUp: { token: string; user: { id: string } } }>(SIGN_UP, {
    input: { email, password: "correct horse", name },
  });
  if (!result.data?.signUp) throw new Error(`signUp failed: ${JSON.stringify(result.errors)}`);
  return { token: result.data.signUp.token, id: result.data.signUp.user.id, email };
}

/** An admin account: promoted in the users database (no API can do that), then logged in through the router. */
export async function signUpAdmin(stack: Stack): Promise<SignedIn> {
  const user = await signUp(stack, "Test Admin");
  await stack.users.db.user.update({ where: { id: user.id }, data: { role: "ADMIN" } });
  const logIn = await stack.gql<{ logIn: { token: string } }>(
    `mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`,
    { email: user.email, password: "correct horse" },
  );
  if (!logIn.data?.logIn) throw new Error(`logIn failed: ${JSON.stringify(logIn.errors)}`);
  return { ...user, token: logIn.data.logIn.token };
}
