import { fileURLToPath } from "node:url";
import { bool, type CommonConfig, commonConfig, commonEnv, parseConfig, port } from "@supergraph/kit";
import { z } from "zod";
import { defaultSubgraphUrl, SUBGRAPHS, type SubgraphName } from "./subgraphs.ts";

const env = commonEnv.extend({
  PORT: port(4000),
  SUPERGRAPH_PATH: z.string().optional(),
  WATCH_SUPERGRAPH: bool,
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(2 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: "must be a redis:// or rediss:// URL" }).optional(),
  REDIS_TIMEOUT_MS: z.coerce.number().int().positive().default(250),
  RESPONSE_CACHE: bool,
  RESPONSE_CACHE_KEY_PREFIX: z.string().min(1).default("supergraph:"),
  RESPONSE_CACHE_MAX_ENTRY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  RESPONSE_CACHE_MAX_TTL_SECONDS: z.coerce.number().int().positive().default(300),
  ...Object.fromEntries(
    SUBGRAPHS.map((subgraph) => [`${subgraph.name.toUpperCase()}_URL`, z.url("must be an http(s) URL").optional()]),
  ),
});

export interface RouterConfig extends CommonConfig {
  port: number;
  supergraphPath: string;
  /** Reload the supergraph when its file changes (development default). */
  watchSupergraph: boolean;
  /** Where each subgraph is reached: `<NAME>_URL`, else the local default. */
  subgraphUrls: Record<SubgraphName, string>;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** Shared state for every replica (response cache, APQ); in memory when unset. */
  redisUrl: string | undefined;
  /** Longest any Redis operation may take before the router goes on without it (fail open). */
  redisTimeoutMs: number;
  responseCache: {
    enabled: boolean;
    /** Prefix of every key, so several deployments can share one Redis. */
    keyPrefix: string;
    maxEntryBytes: number;
    /** Upper bound on an entry's lifetime, whatever the subgraphs' max-age says. */
    maxTtlSeconds: number;
  };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): RouterConfig {
  const raw = parseConfig("the router", env, source) as z.output<typeof env> & Record<string, string | undefined>;
  const common = commonConfig(raw);
  return {
    ...common,
    port: raw.PORT,
    // `../supergraph.graphql` is the router package's root from both src/ and dist/.
    supergraphPath: raw.SUPERGRAPH_PATH ?? fileURLToPath(new URL("../supergraph.graphql", import.meta.url)),
    watchSupergraph: raw.WATCH_SUPERGRAPH ?? common.env === "development",
    subgraphUrls: Object.fromEntries(
      SUBGRAPHS.map((subgraph) => [
        subgraph.name,
        raw[`${subgraph.name.toUpperCase()}_URL`] ?? defaultSubgraphUrl(subgraph.defaultPort),
      ]),
    ) as Record<SubgraphName, string>,
    bodyLimitBytes: raw.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    redisUrl: raw.REDIS_URL,
    redisTimeoutMs: raw.REDIS_TIMEOUT_MS,
    responseCache: {
      enabled: raw.RESPONSE_CACHE ?? true,
      keyPrefix: raw.RESPONSE_CACHE_KEY_PREFIX,
      maxEntryBytes: raw.RESPONSE_CACHE_MAX_ENTRY_BYTES,
      maxTtlSeconds: raw.RESPONSE_CACHE_MAX_TTL_SECONDS,
    },
  };
}
