import { parseArgs } from "node:util";
import type { Logger } from "@supergraph/kit/runtime";
import { CommandError } from "@supergraph/kit/subgraph";
import type { UsersConfig } from "./config.ts";
import type { Db } from "./data/db.ts";
import { AdminInputError, createAdmin } from "./rules/accounts.ts";

const USAGE = "usage: create-admin --email <email> [--name <name>], password on stdin or in ADMIN_PASSWORD";

/** Reads stdin to its end; the password is its first line. A terminal is refused: it would echo the password. */
async function passwordFromStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) {
    throw new CommandError(
      `no password: pipe it on stdin (e.g. \`printf %s "$PW" | … create-admin\`) or set ADMIN_PASSWORD\n${USAGE}`,
    );
  }
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] || undefined;
}

/**
 * `create-admin`: the first admin of a production deployment (seeding is for development). Email and
 * name from `--email`/`--name` or ADMIN_EMAIL/ADMIN_NAME; the password from ADMIN_PASSWORD or stdin,
 * never from an argument (arguments show up in `ps` and shell history).
 */
export function createAdminCommand(config: UsersConfig) {
  return async (db: Db, args: string[], logger: Logger): Promise<void> => {
    let values: { email?: string; name?: string };
    try {
      ({ values } = parseArgs({
        args,
        options: { email: { type: "string" }, name: { type: "string" } },
        strict: true,
      }));
    } catch (error) {
      throw new CommandError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    }
    const email = values.email ?? config.createAdmin.email;
    if (!email) throw new CommandError(`no email: pass --email or set ADMIN_EMAIL\n${USAGE}`);
    const fromEnv = config.createAdmin.password;
    try {
      const { outcome, user } = await createAdmin(
        db,
        {
          email,
          name: values.name ?? config.createAdmin.name,
          password: async () => fromEnv ?? (await passwordFromStdin()),
        },
        config.passwordHashCost,
      );
      logger.info({ userId: user.id, outcome }, "create-admin done");
      const said = {
        created: "created admin",
        promoted: "promoted to admin (name and password unchanged):",
        unchanged: "already an admin, nothing changed:",
      };
      process.stdout.write(`${said[outcome]} ${user.email} (${user.id})\n`);
    } catch (error) {
      if (error instanceof AdminInputError) throw new CommandError(`${error.message}\n${USAGE}`);
      throw error;
    }
  };
}
