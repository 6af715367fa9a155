import { readFileSync } from "node:fs";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { Supergraph } from "@apollo/federation-internals";
import { parse, printSchema } from "graphql";
import { defaultSubgraphUrl, SUBGRAPHS } from "./subgraphs.ts";

export interface Composition {
  /** What the router loads: every subgraph, with routing and federation metadata. */
  supergraphSdl: string;
  /** What clients may query: the supergraph without anything @inaccessible (the SDK is generated from it). */
  apiSchemaSdl: string;
}

/**
 * Composes the supergraph in-process with @apollo/composition (the library behind `rover supergraph
 * compose`, whose binary cannot be downloaded here) from each subgraph's checked-in `schema.graphql`.
 * Routing URLs are the local defaults; the router overrides them with `<NAME>_URL` settings. `without`
 * leaves a subgraph out (tests of a supergraph that changes).
 */
export function composeSupergraph(
  repoRoot: string,
  options: { without?: string } = {},
): Composition | { errors: string[] } {
  const services = [];
  const unreadable: string[] = [];
  for (const subgraph of SUBGRAPHS.filter((candidate) => candidate.name !== options.without)) {
    try {
      const typeDefs = parse(readFileSync(join(repoRoot, subgraph.schema), "utf8"));
      services.push({ name: subgraph.name, url: defaultSubgraphUrl(subgraph.defaultPort), typeDefs });
    } catch (error) {
      // A schema that cannot be read or parsed (saved half-typed) is a composition error like any other.
      unreadable.push(`${subgraph.schema}: ${(error as Error).message}`);
    }
  }
  if (unreadable.length > 0) return { errors: unreadable };
  const result = composeServices(services);
  if (result.errors) return { errors: result.errors.map((error) => error.message) };
  const supergraphSdl = `${result.supergraphSdl.trim()}\n`;
  const apiSchema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  return { supergraphSdl, apiSchemaSdl: `${printSchema(apiSchema).trim()}\n` };
}
