import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { DEFAULT_LOG_BUFFER_MAX_BYTES } from "./logger.ts";

/** A setting that cannot be used; the message says which variable and how to fix it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses a service's environment once, at start-up, into a typed config. Every problem is reported at
 * once, each with the variable's name, so a bad deployment fails fast and says what to change.
 */
export function parseConfig<S extends z.ZodType>(service: string, schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // Empty strings count as unset: `FOO=` in a .env file or a manifest means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw invalidConfig(
    service,
    result.error.issues.map((issue) => `${issue.path.join(".") || "(config)"}: ${issue.message}`),
  );
}

/**
 * Two parts of a service's configuration, checked apart (a subgraph's own settings and the kit's), with
 * every problem of both reported at once: an operator fixes them in one go.
 */
export function checkedTogether<A, B>(first: () => A, second: () => B): [A, B] {
  const results: unknown[] = [];
  const problems: string[] = [];
  for (const load of [first, second]) {
    try {
      results.push(load());
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  return results as [A, B];
}

/** A refused configuration, in one format wherever it is found (a schema, a rule across settings, a file). */
export function invalidConfig(service: string, problems: readonly string[]): ConfigError {
  return new ConfigError(
    `Invalid configuration for ${service}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
  );
}

const DEV_SECRET = "development-only-secret-do-not-use-in-production";

export const nodeEnv = z.enum(["development", "production", "test"]).default("development");
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/** An optional on/off switch; callers choose the default, which may depend on NODE_ENV. */
export const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false (or 1/0, yes/no)" })
  .transform((value) => ["true", "1", "yes"].includes(value))
  .optional();
export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");
const secret = z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 48`)");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** 127.0.0.0/8 (also IPv4-mapped), ::1 in any spelling, or localhost. */
function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1] ?? host;
  const family = isIP(address);
  return family !== 0 && loopback.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Settings every service shares. Secrets have a development default and are required in production. */
export const commonEnv = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  LOG_BUFFER_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024, "must be at least 65536 (64 KiB)")
    .default(DEFAULT_LOG_BUFFER_MAX_BYTES),
  // Loopback unless told otherwise: development runs with public secrets anyone could mint admin tokens
  // with. Container images set HOST=0.0.0.0 themselves (deploy/docker/Dockerfile, deploy/k8s).
  HOST: z.string().default("127.0.0.1"),
  INTERNAL_TOKEN_SECRET: secret.optional(),
  // Counted from the signal, the drain included: 5 s of drain, the router's longest request (30 s) and 5 s
  // to close pools.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(40_000),
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, message: "must be the collector's base URL, e.g. http://otel-collector:4318" })
    .optional(),
});

/**
 * Settings of the users' access tokens, read only by the services that sign or verify them (the router and
 * users): whoever holds JWT_SECRET can mint an admin's token, so no other service is given it.
 */
export const userTokenEnv = z.object({
  JWT_SECRET: secret.optional(),
  JWT_ISSUER: z.string().default("supergraph"),
  JWT_AUDIENCE: z.string().default("supergraph-clients"),
  /** Access tokens are short-lived: a revocation the router missed (its Redis down) lasts at most this long. */
  JWT_EXPIRES_IN_SECONDS: z.coerce.number().int().positive().default(900),
});

export interface UserTokenConfig {
  secret: string;
  issuer: string;
  audience: string;
  expiresInSeconds: number;
}

export interface CommonConfig {
  env: "development" | "production" | "test";
  logLevel: z.output<typeof logLevel>;
  /** The most log output held while stdout is not read; lines beyond it are dropped and counted. */
  logBufferMaxBytes: number;
  host: string;
  /** Signs what the router forwards to subgraphs and what services send each other. */
  internalTokenSecret: string;
  /** OTLP/HTTP collector for traces; tracing is off when unset. */
  otlpEndpoint: string | undefined;
  shutdown: {
    /** Serving while not ready, before the listener closes (5 s in production, for load balancers). */
    drainDelayMs: number;
    /** The most a graceful stop may take before the process exits anyway. */
    timeoutMs: number;
  };
}

/** The common settings; with `userTokens`, the access tokens' too (see userTokenEnv). */
export function commonConfig(raw: z.output<typeof commonEnv>): CommonConfig;
export function commonConfig(
  raw: z.output<typeof commonEnv> & z.output<typeof userTokenEnv>,
  userTokens: "userTokens",
): CommonConfig & { jwt: UserTokenConfig };
export function commonConfig(
  raw: z.output<typeof commonEnv> & Partial<z.output<typeof userTokenEnv>>,
  userTokens?: "userTokens",
): CommonConfig & { jwt?: UserTokenConfig } {
  const production = raw.NODE_ENV === "production";
  // Every secret missing is named at once: an operator fixes them in one go.
  const missing = [
    userTokens && !raw.JWT_SECRET && "JWT_SECRET",
    !raw.INTERNAL_TOKEN_SECRET && "INTERNAL_TOKEN_SECRET",
  ].filter(Boolean);
  if (production && missing.length > 0) {
    throw new ConfigError(`${missing.join(" and ")} must be set when NODE_ENV=production (at least 32 characters).`);
  }
  // The development secrets are in the source: on an interface others reach, anyone could mint tokens.
  if (missing.length > 0 && !isLoopback(raw.HOST)) {
    throw new ConfigError(
      `HOST=${raw.HOST} would let others reach a service using the development ${missing.join(" and ")}, which are public: set ${missing.join(" and ")} (at least 32 characters), or keep HOST on loopback.`,
    );
  }
  return {
    env: raw.NODE_ENV,
    logLevel: raw.LOG_LEVEL,
    logBufferMaxBytes: raw.LOG_BUFFER_MAX_BYTES,
    host: raw.HOST,
    ...(userTokens && { jwt: userTokenConfig(raw as z.output<typeof userTokenEnv>) }),
    internalTokenSecret: raw.INTERNAL_TOKEN_SECRET ?? `${DEV_SECRET}-internal`,
    otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
    shutdown: {
      drainDelayMs: raw.SHUTDOWN_DRAIN_DELAY_MS ?? (production ? 5_000 : 0),
      timeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    },
  };
}

function userTokenConfig(raw: z.output<typeof userTokenEnv>): UserTokenConfig {
  return {
    secret: raw.JWT_SECRET ?? `${DEV_SECRET}-jwt`,
    issuer: raw.JWT_ISSUER,
    audience: raw.JWT_AUDIENCE,
    expiresInSeconds: raw.JWT_EXPIRES_IN_SECONDS,
  };
}

/** What every subgraph is configured with; `<NAME>_` settings are the subgraph's own. */
export interface SubgraphConfig extends CommonConfig {
  port: number;
  /** `<NAME>_DATABASE_URL`: a real Postgres; unset means the embedded default under `dataDir`. */
  databaseUrl: string | undefined;
  /** `<NAME>_DATABASE_POOL_SIZE` or `DATABASE_POOL_SIZE`: connections per process to a real Postgres. */
  databasePoolSize: number;
  dataDir: string;
  migrateOnStart: boolean;
  seedOnStart: boolean;
  /** Max age (s) of fields without a @cacheControl hint; 0 keeps unhinted data out of caches. */
  cacheDefaultMaxAge: number;
  /** Subscriptions' events: over Redis pub/sub with `REDIS_URL` (every replica of every service), else in process. */
  events: { redisUrl: string | undefined; channelPrefix: string };
}

export const subgraphEnv = commonEnv.extend({
  PORT: port(0),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, message: "must be a postgres:// URL" }).optional(),
  // Each replica holds this many: the database's max_connections bounds replicas × pool size.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().default(".data"),
  MIGRATE_ON_START: bool,
  SEED_ON_START: bool,
  CACHE_DEFAULT_MAX_AGE: z.coerce.number().int().min(0).default(0),
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: "must be a redis:// or rediss:// URL" }).optional(),
  EVENTS_CHANNEL_PREFIX: z.string().min(1).default("supergraph:events:"),
});

/**
 * Reads a subgraph's settings: shared ones (DATA_DIR, …) and its own, prefixed with its name (USERS_PORT,
 * USERS_DATABASE_URL), so one environment can configure every service without clashes. With
 * `userTokens`, the access tokens' settings too (JWT_SECRET, …): only for a subgraph that signs them.
 */
export function loadSubgraphConfig(name: string, defaultPort: number, env: NodeJS.ProcessEnv): SubgraphConfig;
export function loadSubgraphConfig(
  name: string,
  defaultPort: number,
  env: NodeJS.ProcessEnv,
  userTokens: "userTokens",
): SubgraphConfig & { jwt: UserTokenConfig };
export function loadSubgraphConfig(
  name: string,
  defaultPort: number,
  env: NodeJS.ProcessEnv,
  userTokens?: "userTokens",
): SubgraphConfig & { jwt?: UserTokenConfig } {
  const prefix = name.toUpperCase();
  const own = {
    PORT: env[`${prefix}_PORT`] ?? String(defaultPort),
    DATABASE_URL: env[`${prefix}_DATABASE_URL`],
    DATABASE_POOL_SIZE: env[`${prefix}_DATABASE_POOL_SIZE`] ?? env.DATABASE_POOL_SIZE,
  };
  let raw: z.output<typeof subgraphEnv> & Partial<z.output<typeof userTokenEnv>>;
  try {
    const schema = userTokens ? subgraphEnv.extend(userTokenEnv.shape) : subgraphEnv;
    raw = parseConfig(`the ${name} subgraph`, schema, { ...env, ...own });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Named as set: the pool size may come from the shared DATABASE_POOL_SIZE.
    const prefixed =
      env[`${prefix}_DATABASE_POOL_SIZE`] === undefined ? "PORT|DATABASE_URL" : "PORT|DATABASE_URL|DATABASE_POOL_SIZE";
    throw new ConfigError(error.message.replace(new RegExp(`- (${prefixed}):`, "g"), `- ${prefix}_$1:`));
  }
  // A Secret's key missing or misspelt must not start production on an empty embedded database.
  const noDatabase =
    raw.NODE_ENV === "production" && !raw.DATABASE_URL && !env.DATA_DIR
      ? `${prefix}_DATABASE_URL must be set when NODE_ENV=production (or DATA_DIR, to run on an embedded database on purpose).`
      : null;
  const [common] = checkedTogether(
    (): CommonConfig & { jwt?: UserTokenConfig } =>
      userTokens
        ? commonConfig(raw as z.output<typeof subgraphEnv> & z.output<typeof userTokenEnv>, userTokens)
        : commonConfig(raw),
    () => {
      if (noDatabase) throw new ConfigError(noDatabase);
    },
  );
  return {
    ...common,
    port: raw.PORT,
    databaseUrl: raw.DATABASE_URL,
    databasePoolSize: raw.DATABASE_POOL_SIZE,
    dataDir: raw.DATA_DIR,
    // Production applies migrations with its `migrate` command (an init container) and is never seeded with demo data.
    migrateOnStart: raw.MIGRATE_ON_START ?? common.env !== "production",
    seedOnStart: (raw.SEED_ON_START ?? true) && common.env === "development",
    cacheDefaultMaxAge: raw.CACHE_DEFAULT_MAX_AGE,
    events: { redisUrl: raw.REDIS_URL, channelPrefix: raw.EVENTS_CHANNEL_PREFIX },
  };
}
