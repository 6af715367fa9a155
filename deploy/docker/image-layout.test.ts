import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createTestDatabase } from "@supergraph/db/testing";
import { SUBGRAPHS } from "@supergraph/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleImageLayout, imageEntrypoint, layoutWorkDir } from "../../scripts/image-layout.ts";

// What the Dockerfile's build stage does, without Docker (scripts/image-layout.ts): bundle each service,
// `pnpm deploy` its production dependencies, assemble the runtime image's /app layout in a temporary
// folder, and run the service from there with plain `node dist/main.js` — proving the entrypoint exists
// and that the built output finds everything it needs (dependencies, schema, migrations, manifest,
// playground).
const root = join(import.meta.dirname, "../..");
const work = layoutWorkDir("image-layout");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const assemble = (service: string) => assembleImageLayout(service, work);

/** Runs `node <args>` to its exit; `whenReady` runs once the output matches it, then the process gets SIGTERM. */
function node(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  whenReady?: { match: RegExp; check: (match: RegExpExecArray) => Promise<void> },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let ready = false;
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const match = whenReady?.match.exec(output);
      if (match && !ready) {
        ready = true;
        whenReady?.check(match).then(() => child.kill("SIGTERM"), reject);
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

/** Runs the image's command (`node <flags> dist/main.js`) in `cwd`, with `env` and nothing else but PATH. */
const run = (cwd: string, args: string[], env: Record<string, string>, whenReady?: Parameters<typeof node>[3]) =>
  node([...imageEntrypoint().slice(1), ...args], cwd, { PATH: process.env.PATH ?? "", ...env }, whenReady);

/** `npm run layout -- <args>` without the install step: scripts/layout.ts, from the workspace's root. */
const cli = (args: string[]) => node(["--import", "tsx", join(root, "scripts/layout.ts"), ...args], root, process.env);

const production = {
  NODE_ENV: "production",
  JWT_SECRET: "j".repeat(40),
  INTERNAL_TOKEN_SECRET: "i".repeat(40),
  LOG_LEVEL: "info",
};

// Each test bundles a service and `pnpm deploy`s its dependencies first: 23-24 s apiece on a slow 2-vCPU
// machine alone, and past the suite's 30 s while the other test files share its cores. The timeout is
// there to catch a hang, not to time a build.
const BUILD_TIMEOUT_MS = 120_000;

describe("each image's layout, built and run without Docker", { timeout: BUILD_TIMEOUT_MS }, () => {
  it.each(SUBGRAPHS.map((subgraph) => subgraph.name))(
    "%s: the entrypoint migrates a real database from the built output",
    async (service) => {
      const dir = assemble(service);
      expect(existsSync(join(dir, "dist/main.js"))).toBe(true);
      expect(existsSync(join(dir, "node_modules/@supergraph"))).toBe(true);
      expect(existsSync(join(dir, "node_modules/prisma")), "no Prisma CLI in production").toBe(false);
      const database = await createTestDatabase(`image_${service}`);
      try {
        // As the pods' init container runs it: the image's settings and the database's URL, no secret.
        const migrate = await run(dir, ["migrate"], {
          NODE_ENV: "production",
          HOST: "0.0.0.0",
          LOG_LEVEL: "info",
          [`${service.toUpperCase()}_DATABASE_URL`]: database.connectionString,
        });
        expect(migrate.code, migrate.output).toBe(0);
        expect(migrate.output).toContain("applied migrations");
        if (service === "users") {
          // The first admin of a production deployment, as deploy/README.md runs it.
          const env = {
            ...production,
            USERS_DATABASE_URL: database.connectionString,
            ADMIN_PASSWORD: "first-admin-pw",
          };
          const admin = await run(dir, ["create-admin", "--email", "ops@example.com"], env);
          expect(admin.code, admin.output).toBe(0);
          expect(admin.output).toContain("created admin ops@example.com");
        }
      } finally {
        await database.drop();
      }
    },
  );

  // The router's layout is assembled once, by `npm run layout` into a folder outside the workspace (where
  // its links must still hold), and every router test runs from there.
  describe("router", () => {
    let target = "";
    let layout: Awaited<ReturnType<typeof cli>>;
    beforeAll(async () => {
      target = join(mkdtempSync(join(tmpdir(), "layout-")), "router");
      layout = await cli(["router", target]);
      // Every router test runs from it: without it they could only hang.
      if (layout.code !== 0) throw new Error(`npm run layout failed:\n${layout.output}`);
    }, BUILD_TIMEOUT_MS);
    afterAll(() => {
      if (target) rmSync(dirname(target), { recursive: true, force: true });
    });
    const dir = () => join(target, "service");

    it("`npm run layout` puts the image's layout in a folder of one's choosing, and refuses one that holds anything", async () => {
      expect(layout.code, layout.output).toBe(0);
      expect(layout.output).toContain(`cd ${dir()} && ${imageEntrypoint().join(" ")}`);
      expect(existsSync(join(dir(), "dist/main.js"))).toBe(true);
      // Not over a folder that holds anything: an earlier layout's files would stay and be loaded.
      const again = await cli(["router", target]);
      expect(again.code).toBe(1);
      expect(again.output).toContain("is not empty");
      expect((await cli(["gateway", join(dirname(target), "other")])).code).toBe(64);
    });

    it("starts from the built output, answers health checks, and stops on SIGTERM", async () => {
      const health: number[] = [];
      const started = await run(
        dir(),
        [],
        { ...production, PORT: "0", PERSISTED_OPERATIONS: "only", PLAYGROUND: "true" },
        {
          match: /"url":"(http:[^"]+)\/graphql","msg":"router listening"/,
          check: async ([, base]) => {
            // The health endpoints, and the playground page (its files come from the image's layout too).
            for (const path of ["/health/live", "/health/ready", "/graphql"]) {
              health.push((await fetch(`${base}${path}`, { headers: { accept: "text/html" } })).status);
            }
          },
        },
      );
      expect(started.output).toContain("router listening");
      expect(health).toEqual([200, 200, 200]);
      expect(started.output).toContain('"msg":"stopped"');
      expect(started.code).toBe(0);
    });

    it("runs several workers from the built output (each forked from dist/main.js)", async () => {
      // Redis answers in CI; were it down, the router would still start (its cache fails open).
      const env = {
        ...production,
        PORT: "0",
        ROUTER_WORKERS: "2",
        REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
        RESPONSE_CACHE_KEY_PREFIX: `image-layout:${process.pid}:`,
      };
      let workers = new Set<string>();
      const started = await run(dir(), [], env, {
        // Each worker names the internal port (INTERNAL_PORT=0 with PORT=0: one random port, shared by both workers).
        match: /^(?=[\s\S]*all 2 router workers listening)[\s\S]*?"internalUrl":"(http:[^"]+)"/,
        check: async ([, internalUrl]) => {
          const scrape = await (await fetch(`${internalUrl}/metrics`)).text();
          workers = new Set([...scrape.matchAll(/worker="(\d+)"/g)].map((match) => match[1] as string));
        },
      });
      expect(workers, started.output).toEqual(new Set(["1", "2"]));
      expect(started.output.match(/"msg":"stopped"/g)).toHaveLength(2);
      expect(started.code).toBe(0);
    });

    it("refuses to start with a clear message when production secrets are missing", async () => {
      const result = await run(dir(), [], { NODE_ENV: "production" });
      expect(result.code).toBe(78);
      expect(result.output).toContain("JWT_SECRET and INTERNAL_TOKEN_SECRET must be set when NODE_ENV=production");
    });
  });
});
