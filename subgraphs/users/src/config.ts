import { loadSubgraphConfig, parseConfig, type SubgraphConfig } from "@supergraph/kit";
import { z } from "zod";

const env = z.object({
  SEED_ADMIN_EMAIL: z.email().default("admin@example.com"),
  SEED_ADMIN_PASSWORD: z.string().min(8).default("admin-password"),
  /** log2 of scrypt's cost N; 17 is OWASP's minimum for password storage. Tests lower it for speed. */
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(17),
});

export interface UsersConfig extends SubgraphConfig {
  seedAdmin: { email: string; password: string };
  passwordHashCost: number;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): UsersConfig {
  const raw = parseConfig("the users subgraph", env, source);
  return {
    ...loadSubgraphConfig("users", 4001, source),
    seedAdmin: { email: raw.SEED_ADMIN_EMAIL, password: raw.SEED_ADMIN_PASSWORD },
    passwordHashCost: raw.PASSWORD_HASH_COST,
  };
}
