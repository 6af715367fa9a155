import { afterAll, beforeAll, expect, it } from "vitest";
import { metricTotal, type Stack, startStack } from "../harness.ts";
import { internalUrlOf, ROUTER_LISTENING, type ServiceProcess, startProcess } from "../processes.ts";

// A router whose stdout nobody reads (a stalled log shipper) keeps serving, holds at most
// LOG_BUFFER_MAX_BYTES of log lines, counts what it drops on /metrics, and says so once it can write again.
// The real router as its own process, its stdout a pipe this test stops reading.
let stack: Stack;
let router: ServiceProcess;

beforeAll(async () => {
  stack = await startStack();
  router = await startProcess(
    "router/src/main.ts",
    {
      PORT: "0",
      LOG_BUFFER_MAX_BYTES: String(64 * 1024),
      RATE_LIMIT_PER_MINUTE: "1000000",
      USERS_URL: stack.users.url,
      PRODUCTS_URL: stack.products.url,
      ORDERS_URL: stack.orders.url,
      POSTS_URL: stack.posts.url,
    },
    ROUTER_LISTENING,
  );
});
afterAll(async () => {
  if (router && router.child.exitCode === null) router.child.kill("SIGKILL");
  await stack?.close();
});

const dropped = (): Promise<number> => metricTotal(internalUrlOf(router), "log_lines_dropped_total");

const ask = async (): Promise<void> => {
  const response = await fetch(router.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { __typename: "Query" } });
};

it("keeps serving while its stdout is not read, drops lines beyond LOG_BUFFER_MAX_BYTES, counts and reports them", async () => {
  // The series is there from the start (at 0): a missing one would read as 0 too.
  expect(await (await fetch(new URL("/metrics", internalUrlOf(router)))).text()).toMatch(
    /^log_lines_dropped_total\{[^}]*\} 0$/m,
  );
  router.child.stdout?.pause();

  // Every request writes an access line. Until the pipe and then the router's buffer are full, nothing is
  // dropped; how much the pipe holds depends on the kernel, so requests go on until drops are counted.
  let sent = 0;
  while ((await dropped()) === 0) {
    expect(sent, "no line was dropped after 30,000 requests").toBeLessThan(30_000);
    await Promise.all(Array.from({ length: 250 }, ask));
    sent += 250;
  }
  const whileStalled = await dropped();
  expect(whileStalled).toBeGreaterThan(0);

  router.child.stdout?.resume();
  // Once its backlog is written, the router logs how many lines it dropped (in one or more warnings).
  const warnings = () =>
    router.lines
      .filter((line) => line.includes('"msg":"log lines dropped: stdout was not read fast enough"'))
      .map((line) => JSON.parse(line) as { level: number; droppedLines: number });
  const reported = () => warnings().reduce((sum, warning) => sum + warning.droppedLines, 0);
  let total = await dropped();
  for (let attempt = 0; attempt < 100 && reported() < total; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    total = await dropped();
  }
  expect(total).toBeGreaterThanOrEqual(whileStalled);
  expect(reported()).toBe(total);
  expect(warnings().every((warning) => warning.level === 40)).toBe(true);
  // Read again, it drops nothing more.
  await Promise.all(Array.from({ length: 50 }, ask));
  expect(await dropped()).toBe(total);
  // What was written is whole lines: dropping happens line by line, never inside one.
  for (const line of router.lines.filter((text) => text.startsWith("{"))) expect(() => JSON.parse(line)).not.toThrow();
});
