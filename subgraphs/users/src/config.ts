import { checkedTogether, parseConfig, type UserTokenConfig } from "@supergraph/kit/runtime";
import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { defaultPort } from "@supergraph/registry";
import { z } from "zod";

const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const env = z.object({
  SEED_ADMIN_EMAIL: z.email().default("admin@example.com"),
  SEED_ADMIN_PASSWORD: z.string().min(8).default("admin-password"),
  /** log2 of scrypt's cost N; 17 is OWASP's minimum for password storage. Tests lower it for speed. */
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(17),
  /** Hashes at once per process. At cost 17 each holds 128 MiB: the users pod's memory limit counts 2. */
  PASSWORD_HASH_CONCURRENCY: positive(2),
  PASSWORD_HASH_QUEUE_LENGTH: z.coerce.number().int().min(0).default(16),
  PASSWORD_HASH_QUEUE_MS: positive(2_000),
  /** Shares the log-in limits between replicas; without it each process counts on its own. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: "must be a redis:// or rediss:// URL" }).optional(),
  REDIS_KEY_PREFIX: z.string().min(1).default("supergraph:users:"),
  REDIS_TIMEOUT_MS: positive(250),
  LOGIN_MAX_CONSECUTIVE_FAILS: positive(10),
  LOGIN_BLOCK_SECONDS: positive(15 * 60),
  LOGIN_MAX_FAILS_PER_IP_PER_DAY: positive(100),
  SIGNUP_MAX_PER_IP_PER_HOUR: positive(20),
  /** How long a session lasts without a refresh; each refresh starts it again. */
  REFRESH_TOKEN_TTL_DAYS: positive(30),
  /** Inputs of the `create-admin` command only (arguments win over these). */
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_NAME: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
});

export interface UsersConfig extends SubgraphConfig {
  /** Signs the users' access tokens (the router verifies them). */
  jwt: UserTokenConfig;
  seedAdmin: { email: string; password: string };
  passwordHashCost: number;
  passwordHashing: { concurrency: number; maxQueue: number; maxWaitMs: number };
  redis: { url: string | undefined; keyPrefix: string; timeoutMs: number };
  loginLimits: {
    maxConsecutiveFails: number;
    blockSeconds: number;
    maxFailsPerIpPerDay: number;
    maxSignUpsPerIpPerHour: number;
  };
  refreshTokenTtlSeconds: number;
  createAdmin: { email: string | undefined; name: string | undefined; password: string | undefined };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): UsersConfig {
  const [raw, base] = checkedTogether(
    () => parseConfig("the users subgraph", env, source),
    () => loadSubgraphConfig("users", defaultPort("users"), source, "userTokens"),
  );
  return {
    ...base,
    seedAdmin: { email: raw.SEED_ADMIN_EMAIL, password: raw.SEED_ADMIN_PASSWORD },
    passwordHashCost: raw.PASSWORD_HASH_COST,
    passwordHashing: {
      concurrency: raw.PASSWORD_HASH_CONCURRENCY,
      maxQueue: raw.PASSWORD_HASH_QUEUE_LENGTH,
      maxWaitMs: raw.PASSWORD_HASH_QUEUE_MS,
    },
    redis: { url: raw.REDIS_URL, keyPrefix: raw.REDIS_KEY_PREFIX, timeoutMs: raw.REDIS_TIMEOUT_MS },
    loginLimits: {
      maxConsecutiveFails: raw.LOGIN_MAX_CONSECUTIVE_FAILS,
      blockSeconds: raw.LOGIN_BLOCK_SECONDS,
      maxFailsPerIpPerDay: raw.LOGIN_MAX_FAILS_PER_IP_PER_DAY,
      maxSignUpsPerIpPerHour: raw.SIGNUP_MAX_PER_IP_PER_HOUR,
    },
    refreshTokenTtlSeconds: raw.REFRESH_TOKEN_TTL_DAYS * 24 * 60 * 60,
    createAdmin: { email: raw.ADMIN_EMAIL, name: raw.ADMIN_NAME, password: raw.ADMIN_PASSWORD },
  };
}
