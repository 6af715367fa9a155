import { runSubgraphCli } from "@supergraph/kit";
import { loadConfig, productsSubgraph } from "./index.ts";

await runSubgraphCli(() => productsSubgraph(loadConfig()));
