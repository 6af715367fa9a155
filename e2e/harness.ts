import { request } from "node:http";
import { type TestDatabase, testDatabaseSettings } from "@supergraph/db/testing";
import { createLogger, type Logger } from "@supergraph/kit/runtime";
import type { RunningSubgraph } from "@supergraph/kit/subgraph";
import * as orders from "@supergraph/orders";
import * as posts from "@supergraph/posts";
import * as products from "@supergraph/products";
import { portVariable, subgraph, urlVariable } from "@supergraph/registry";
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
  /** The router's internal port: `/metrics`, `POST /invalidation` (the public port serves neither). */
  routerInternalUrl: string;
  users: RunningSubgraph<users.Db>;
  products: RunningSubgraph<products.Db>;
  orders: RunningSubgraph<orders.Db>;
  posts: RunningSubgraph<posts.Db>;
  databaseKind: TestDatabase["kind"];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GqlResult<T>>;
  /**
   * Another process of subgraph `name` on the same database and settings (with REDIS_URL in `env`, its events
   * reach the other's subscribers). Needs real Postgres: an embedded database belongs to one process.
   */
  startReplica(name: SubgraphName): Promise<{ url: string; close(): Promise<void> }>;
  /**
   * Another router (e.g. a second replica sharing Redis), in front of the same subgraphs unless `env` points
   * it elsewhere (`ORDERS_URL`: a replica's, see `urlVariable`).
   */
  startRouter(
    env?: Record<string, string>,
    logger?: Logger,
  ): Promise<{ url: string; internalUrl: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

export type SubgraphName = "users" | "products" | "orders" | "posts";

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
}

export interface GqlResult<T> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors:
    | Array<{ message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }>
    | undefined;
}

export const testEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  LOG_LEVEL: "silent",
  // scrypt at cost 2^17 takes ~0.3 s per hash; tests sign up many users, so they use a cheaper one.
  PASSWORD_HASH_COST: "12",
  // At that cost a hash takes a few ms, so a deeper queue than production's waits no longer (some tests sign up 24 users at once).
  PASSWORD_HASH_QUEUE_LENGTH: "64",
  // Every test signs its users up from one address (the router's, 127.0.0.1).
  SIGNUP_MAX_PER_IP_PER_HOUR: "1000000",
  // Some tests have one buyer place an order every 100 ms until a subscription is live (orders.test.ts
  // sets the default back to test it).
  MAX_OPEN_ORDERS: "1000",
  ...extra,
});

export interface StackOptions {
  /** Extra settings for every service (e.g. shorter timeouts). */
  env?: Record<string, string>;
  /** Extra settings for the router only (e.g. REDIS_URL). */
  routerEnv?: Record<string, string>;
  /** Extra settings for the users subgraph only (e.g. its log-in limits). */
  usersEnv?: Record<string, string>;
  /** Collects every service's log lines (JSON, info and up) instead of discarding them. */
  logs?: string[];
}

/** A logger whose JSON lines (at `level` and up) are kept in `lines`, for tests that read what was logged. */
export function capturingLogger(service: string, level: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: createLogger(service, level, { write: (line: string) => void lines.push(line) }) };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cleanup: Array<() => Promise<void>> = [];
  const env = (extra: Record<string, string>) => testEnv({ ...options.env, ...extra });
  const logs = options.logs;
  const quiet = (service: string): Logger =>
    logs
      ? createLogger(service, "info", { write: (line: string) => void logs.push(line) })
      : createLogger(service, process.env.TEST_LOG_LEVEL ?? "silent");
  try {
    const names = ["users", "products", "orders", "posts"] as const;
    const databases = await Promise.all(names.map((name) => testDatabaseSettings(name)));
    for (const database of databases) cleanup.push(() => database.drop());
    const [usersDb, productsDb, ordersDb, postsDb] = databases.map((database) => database.env) as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];

    const own = (name: string, db: Record<string, string>, extra: Record<string, string> = {}) =>
      env({ [portVariable(name)]: "0", ...db, ...extra });
    const running: Record<string, { url: string }> = {};
    // The URLs of the subgraphs `name` calls directly (its registry line's `calls`), started before it.
    const callees = (name: SubgraphName) =>
      Object.fromEntries(subgraph(name).calls.map((callee) => [urlVariable(callee), running[callee]?.url ?? ""]));
    // Each subgraph's start with its settings: once for the stack, again for a replica (startReplica).
    const starts = {
      users: () => users.startUsersSubgraph(users.loadConfig(own("users", usersDb, options.usersEnv)), quiet("users")),
      products: () =>
        products.startProductsSubgraph(products.loadConfig(own("products", productsDb)), quiet("products")),
      orders: () =>
        orders.startOrdersSubgraph(orders.loadConfig(own("orders", ordersDb, callees("orders"))), quiet("orders")),
      posts: () => posts.startPostsSubgraph(posts.loadConfig(own("posts", postsDb, callees("posts"))), quiet("posts")),
    };
    const productsSubgraph = await starts.products();
    cleanup.push(() => productsSubgraph.close());
    running.products = productsSubgraph;
    const [usersSubgraph, ordersSubgraph, postsSubgraph] = await Promise.all([
      starts.users(),
      starts.orders(),
      starts.posts(),
    ]);
    cleanup.push(
      () => usersSubgraph.close(),
      () => ordersSubgraph.close(),
      () => postsSubgraph.close(),
    );
    Object.assign(running, { users: usersSubgraph, orders: ordersSubgraph, posts: postsSubgraph });
    const databaseKind = databases[0]?.kind ?? "embedded";

    const routerFor = async (extra: Record<string, string>, logger: Logger = quiet("router")) => {
      const started = await startRouter(
        loadRouterConfig(
          env({
            PORT: "0",
            ...Object.fromEntries(Object.entries(running).map(([name, subgraph]) => [urlVariable(name), subgraph.url])),
            ...extra,
          }),
        ),
        logger,
      );
      cleanup.push(() => started.close());
      return started;
    };
    const router = await routerFor(options.routerEnv ?? {});

    return {
      routerUrl: router.url,
      routerInternalUrl: router.internalUrl,
      users: usersSubgraph,
      products: productsSubgraph,
      orders: ordersSubgraph,
      posts: postsSubgraph,
      databaseKind,
      gql: (query, variables, requestOptions) => gql(router.url, query, variables, requestOptions),
      startReplica: async (name) => {
        if (databaseKind === "embedded")
          throw new Error(`A replica of ${name} needs real Postgres to share its database.`);
        const replica = await starts[name]();
        cleanup.push(() => replica.close());
        return { url: replica.url, close: () => replica.close() };
      },
      startRouter: (extra = {}, logger) => routerFor({ ...options.routerEnv, ...extra }, logger),
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

/**
 * POSTs a JSON body to the router one of two ways: as is (`lane`: the cache-hit lane in front of Fastify
 * looks it up), or chunked (`fastify`: no Content-Length, so the lane hands it to Fastify, whose handler
 * answers it, hits included).
 */
export function postTo(
  url: string,
  body: string,
  way: "lane" | "fastify",
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: way === "lane" ? body : new Blob([body]).stream(),
    duplex: "half",
  } as RequestInit);
}

/** A POST on a connection of its own: with ROUTER_WORKERS, the primary hands each new connection to the next worker. */
export function postOnNewConnection(
  url: string,
  body: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; cache: string; age: number; json: { data?: unknown; errors?: unknown } }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const outgoing = request(
      url,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            cache: String(response.headers["x-cache"]),
            age: Number(response.headers.age),
            json: JSON.parse(text),
          }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

/** Asks until the answer is a cache hit (an entry is stored just after the response that made it): the last `x-cache`. */
export async function untilHit(cacheStatus: () => Promise<string | null>): Promise<string | null> {
  let status: string | null = null;
  for (let attempt = 0; attempt < 40 && status !== "HIT"; attempt++) {
    status = await cacheStatus();
    if (status !== "HIT") await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return status;
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
      // As Apollo Client 4 and urql ask: the status then says how the operation failed (application/json
      // clients get 200 with the same errors; e2e/foundation/http-conformance.test.ts).
      accept: "application/graphql-response+json, application/json;q=0.9",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlResult<T>["errors"] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** The sum of a counter-like series in a service's `GET /metrics` (the router's: its internal URL), read as Prometheus would. */
export async function metricTotal(serviceUrl: string, series: string): Promise<number> {
  const response = await fetch(new URL("/metrics", serviceUrl));
  // A 404 would read as 0 and pass a test that expects none (the router's public port serves no metrics).
  if (!response.ok) throw new Error(`GET /metrics on ${serviceUrl} answered ${response.status}`);
  const text = await response.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(series)) total += Number(line.split(" ").at(-1));
  }
  return total;
}

/** Total SQL statements a service has sent so far. */
export const sqlStatementCount = (subgraphUrl: string) => metricTotal(subgraphUrl, "db_query_duration_seconds_count");

/** Total GraphQL requests a service has served so far. */
export const graphqlRequestCount = (serviceUrl: string) =>
  metricTotal(serviceUrl, "graphql_request_duration_seconds_count");

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

let skuCounter = 0;
/** Creates a product as the given admin, through the router. */
export async function createProduct(
  stack: Stack,
  admin: SignedIn,
  input: { name?: string; priceCents?: number; stock?: number; description?: string } = {},
): Promise<{ id: string; sku: string; name: string; priceCents: number; stock: number }> {
  const result = await stack.gql<{
    createProduct: { id: string; sku: string; name: string; priceCents: number; stock: number };
  }>(
    `mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name priceCents stock } }`,
    {
      input: {
        sku: `P-${process.pid}-${Date.now()}-${skuCounter++}`,
        name: "Widget",
        priceCents: 1000,
        stock: 10,
        ...input,
      },
    },
    { token: admin.token },
  );
  if (!result.data) throw new Error(`createProduct failed: ${JSON.stringify(result.errors)}`);
  return result.data.createProduct;
}

export async function stockOf(stack: Stack, productId: string): Promise<number> {
  const product = await stack.products.db.product.findUniqueOrThrow({ where: { id: productId } });
  return product.stock;
}
