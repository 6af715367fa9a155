import { spawn } from "node:child_process";
import { join } from "node:path";
import { createTestDatabase, realPostgresAvailable, type TestDatabase } from "@supergraph/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "./data/db.ts";
import { verifyPassword } from "./rules/passwords.ts";

// The real command, as an operator runs it (`node dist/main.js create-admin` in the image, `npm run
// admin:create` in a checkout), against a database of its own.

const root = join(import.meta.dirname, "../../..");

function createAdmin(
  args: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "main.ts"), "create-admin", ...args],
      {
        cwd: root,
        env: { NODE_ENV: "test", LOG_LEVEL: "silent", PASSWORD_HASH_COST: "10", ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// Each run starts a Node process that loads the service (~5 s, more on shared cores): a test runs up to four.
describe.runIf(await realPostgresAvailable())("create-admin", { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let db: Db;
  const row = (email: string) =>
    db.user.findUnique({ where: { email }, select: { id: true, name: true, role: true, passwordHash: true } });

  beforeAll(async () => {
    database = await createTestDatabase("users-admin");
    env = { USERS_DATABASE_URL: database.connectionString };
    db = createDb({ connectionString: database.connectionString, poolSize: 1 });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  it("creates an admin from arguments and ADMIN_PASSWORD, then leaves it as it is when run again", async () => {
    const first = await createAdmin(["--email", "Boss@Example.com", "--name", "The Boss"], {
      ...env,
      ADMIN_PASSWORD: "first-admin-pw",
    });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created admin boss@example\.com \(/);
    const created = await row("boss@example.com");
    expect(created).toMatchObject({ name: "The Boss", role: "ADMIN" });
    expect(await verifyPassword("first-admin-pw", created?.passwordHash ?? "")).toBe(true);

    const again = await createAdmin([], {
      ...env,
      ADMIN_EMAIL: "boss@example.com",
      ADMIN_PASSWORD: "another-password",
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already an admin, nothing changed: boss@example\.com/);
    expect((await row("boss@example.com"))?.passwordHash).toBe(created?.passwordHash);
  });

  it("reads the password from stdin", async () => {
    const result = await createAdmin(["--email", "stdin@example.com"], env, "piped-password\n");
    expect(result.code).toBe(0);
    const created = await row("stdin@example.com");
    expect(created).toMatchObject({ name: "Administrator", role: "ADMIN" });
    expect(await verifyPassword("piped-password", created?.passwordHash ?? "")).toBe(true);
  });

  it("promotes an existing customer, keeping their name and password, and needs no password for it", async () => {
    const signedUp = await createAdmin(["--email", "cust@example.com", "--name", "Cus Tomer"], {
      ...env,
      ADMIN_PASSWORD: "customer-pw",
    });
    expect(signedUp.code).toBe(0);
    await db.user.update({ where: { email: "cust@example.com" }, data: { role: "CUSTOMER" } });
    const before = await row("cust@example.com");

    const promoted = await createAdmin(["--email", "cust@example.com"], env);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/^promoted to admin \(name and password unchanged\): cust@example\.com/);
    expect(await row("cust@example.com")).toEqual({ ...before, role: "ADMIN" });
  });

  it("refuses bad input with a message saying what to fix, exit code 64, and changes nothing", async () => {
    const noEmail = await createAdmin([], { ...env, ADMIN_PASSWORD: "whatever-pw" });
    expect([noEmail.code, noEmail.stderr]).toEqual([
      64,
      expect.stringContaining("no email: pass --email or set ADMIN_EMAIL"),
    ]);
    const badEmail = await createAdmin(["--email", "not-an-email"], { ...env, ADMIN_PASSWORD: "whatever-pw" });
    expect([badEmail.code, badEmail.stderr]).toEqual([
      64,
      expect.stringContaining("the email must be a valid email address"),
    ]);
    const shortPassword = await createAdmin(["--email", "short@example.com"], env, "short\n");
    expect([shortPassword.code, shortPassword.stderr]).toEqual([
      64,
      expect.stringContaining("the password must be at least 8 characters"),
    ]);
    expect(await row("short@example.com")).toBeNull();
    const unknownFlag = await createAdmin(["--email", "x@example.com", "--password", "in-argv-pw"], env);
    expect([unknownFlag.code, unknownFlag.stderr]).toEqual([64, expect.stringContaining("usage: create-admin")]);
  });
});
