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
  };
}
