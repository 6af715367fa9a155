import { runSubgraphCli } from "@supergraph/kit/subgraph";
import { loadConfig, productsSubgraph } from "./index.ts";

await runSubgraphCli(() => productsSubgraph(loadConfig()));
