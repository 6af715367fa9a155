import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createProduct,
  graphqlRequestCount,
  postOnNewConnection,
  type SignedIn,
  type Stack,
  signUpAdmin,
  startStack,
  testEnv,
} from "../harness.ts";
import { internalUrlOf, type ServiceProcess, startRouterWorkers, workersServing } from "../processes.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

// ROUTER_WORKERS: one router process forking several workers on one port (node:cluster), end to end —
// real processes, the real subgraphs, the real Redis they must share.
const root = join(import.meta.dirname, "../..");

it("refuses several workers without Redis: they could not share the cache, its purges or the rate limits", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...testEnv({ PORT: "0", ROUTER_WORKERS: "2" }) };
  delete env.REDIS_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "router/src/main.ts"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Were it to start anyway, it must not outlive the test.
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(guard);
  expect(code).toBe(78);
  expect(stderr).toContain("ROUTER_WORKERS (2) needs REDIS_URL");
});

describe.runIf(await redisAvailable())("several router workers sharing Redis", () => {
  let stack: Stack;
  let admin: SignedIn;
  let router: ServiceProcess;
  const prefix = uniquePrefix("workers");

  beforeAll(async () => {
    stack = await startStack();
    admin = await signUpAdmin(stack);
    router = await startRouterWorkers(stack, 2, { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix });
  });
  afterAll(async () => {
    if (router && router.child.exitCode === null) router.child.kill("SIGKILL");
    await stack?.close();
    await deleteKeys(prefix);
  });

  it("serves from every worker, shares cache entries and purges across them, and reports all of them in /metrics", async () => {
    const product = await createProduct(stack, admin, { name: "Clustered", priceCents: 1200 });
    const query = { query: `query($id: ID!) { product(id: $id) { name priceCents } }`, variables: { id: product.id } };
    const before = await graphqlRequestCount(internalUrlOf(router));

    // Warm: each new connection goes to the next worker; entries are written in the background.
    const warmIds: string[] = [];
    let hits = 0;
    for (let attempt = 0; attempt < 60 && hits < 4; attempt++) {
      const id = `warm-${attempt}`;
      warmIds.push(id);
      const response = await postOnNewConnection(router.url, query, { "x-request-id": id });
      expect(response.json.data).toEqual({ product: { name: "Clustered", priceCents: 1200 } });
      hits = response.cache === "HIT" ? hits + 1 : 0;
      if (response.cache !== "HIT") await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(hits).toBe(4);
    expect(await workersServing(router, warmIds)).toEqual(new Set([1, 2]));

    // A change through one worker is seen by every worker at once.
    const update = await postOnNewConnection(
      router.url,
      {
        query: `mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 900 }) { id } }`,
        variables: { id: product.id },
      },
      { authorization: `Bearer ${admin.token}` },
    );
    expect(update.json.errors).toBeUndefined();
    const afterIds = ["after-0", "after-1", "after-2", "after-3"];
    for (const id of afterIds) {
      const response = await postOnNewConnection(router.url, query, { "x-request-id": id });
      expect(response.json.data).toEqual({ product: { name: "Clustered", priceCents: 900 } });
    }
    expect(await workersServing(router, afterIds)).toEqual(new Set([1, 2]));

    // One scrape, whichever worker answers it, counts every worker's operations, each under its worker.
    const sent = warmIds.length + 1 + afterIds.length;
    expect((await graphqlRequestCount(internalUrlOf(router))) - before).toBe(sent);
    const scrape = await (await fetch(new URL("/metrics", internalUrlOf(router)))).text();
    const workers = new Set(
      scrape
        .split("\n")
        .filter((line) => line.startsWith("graphql_request_duration_seconds_count"))
        .map((line) => /worker="(\d+)"/.exec(line)?.[1]),
    );
    expect(workers).toEqual(new Set(["1", "2"]));
  });

  let killed: number | undefined;
  const listeningWorkers = () =>
    router.lines
      .filter((line) => line.includes('"msg":"router worker listening"'))
      .map((line) => JSON.parse(line) as { worker: number; pid: number });

  it("replaces a worker that dies, and keeps serving", async () => {
    const [first] = listeningWorkers();
    killed = first?.pid;
    process.kill(killed as number, "SIGKILL");
    for (let attempt = 0; attempt < 100 && listeningWorkers().length < 3; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(
      router.lines.some(
        (line) => line.includes('"msg":"router worker died; starting another"') && line.includes(`"pid":${killed}`),
      ),
    ).toBe(true);
    const replacement = listeningWorkers()[2];
    expect(replacement?.worker).toBe(3);

    const ids = ["respawn-0", "respawn-1", "respawn-2", "respawn-3"];
    for (const id of ids) {
      const response = await postOnNewConnection(router.url, { query: "{ __typename }" }, { "x-request-id": id });
      expect(response.status).toBe(200);
    }
    expect(await workersServing(router, ids)).toEqual(new Set([first?.worker === 1 ? 2 : 1, 3]));
  });

  it("on SIGTERM stops every worker gracefully and exits 0", async () => {
    const pids = listeningWorkers()
      .map((worker) => worker.pid)
      .filter((pid) => pid !== killed);
    expect(new Set(pids).size).toBe(2);
    router.child.kill("SIGTERM");
    expect(await router.exit).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(router.lines.filter((line) => line.includes('"msg":"stopped"'))).toHaveLength(2);
  });
});
