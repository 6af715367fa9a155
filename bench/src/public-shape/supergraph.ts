import { composeServices } from "@apollo/composition";
import { BENCH_SUBGRAPHS } from "./subgraphs.ts";

/** The benchmark supergraph, composed in-process with the subgraphs' actual URLs. */
export function composeBenchSupergraph(urls: Record<string, string>): string {
  const result = composeServices(
    Object.entries(BENCH_SUBGRAPHS).map(([name, subgraph]) => ({
      name,
      url: urls[name] ?? "",
      typeDefs: subgraph.typeDefs,
    })),
  );
  if (result.errors)
    throw new Error(`bench composition failed: ${result.errors.map((error) => error.message).join("; ")}`);
  return result.supergraphSdl;
}
