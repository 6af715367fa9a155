import { readFileSync } from "node:fs";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { defaultSubgraphUrl, SUBGRAPHS } from "./subgraphs.ts";

/**
 * Composes the supergraph in-process with @apollo/composition (the library behind `rover supergraph
 * compose`, whose binary cannot be downloaded here) from each subgraph's checked-in `schema.graphql`.
 * Routing URLs are the local defaults; the router overrides them with `<NAME>_URL` settings.
 */
export function composeSupergraph(repoRoot: string): { supergraphSdl: string } | { errors: string[] } {
  const result = composeServices(
    SUBGRAPHS.map((subgraph) => ({
      name: subgraph.name,
      url: defaultSubgraphUrl(subgraph.defaultPort),
      typeDefs: parse(readFileSync(join(repoRoot, subgraph.schema), "utf8")),
    })),
  );
  if (result.errors) return { errors: result.errors.map((error) => error.message) };
  return { supergraphSdl: `${result.supergraphSdl.trim()}\n` };
}
