import type { UsersConfig } from "../config.ts";
import { hashPassword } from "../rules/passwords.ts";
import type { Db } from "./db.ts";

/**
 * Demo accounts, for development only. Fixed ids let the other subgraphs' seeds refer to these users
 * without calling this service. Idempotent: existing rows are left as they are.
 */
export const SEED_USERS = {
  admin: { id: "00000000-0000-4000-8000-000000000001", name: "Ada Admin" },
  customer: {
    id: "00000000-0000-4000-8000-000000000002",
    name: "Casey Customer",
    email: "customer@example.com",
    password: "customer-password",
  },
} as const;

export async function seed(db: Db, config: UsersConfig): Promise<void> {
  const { admin, customer } = SEED_USERS;
  const rows = [
    {
      id: admin.id,
      name: admin.name,
      email: config.seedAdmin.email,
      password: config.seedAdmin.password,
      role: "ADMIN" as const,
    },
    {
      id: customer.id,
      name: customer.name,
      email: customer.email,
      password: customer.password,
      role: "CUSTOMER" as const,
    },
  ];
  for (const { password, ...row } of rows) {
    const existing = await db.user.findFirst({ where: { OR: [{ id: row.id }, { email: row.email }] } });
    if (existing) continue;
    await db.user.create({ data: { ...row, passwordHash: await hashPassword(password, config.passwordHashCost) } });
  }
}
