import { runSubgraphCli } from "@supergraph/kit/subgraph";
import { loadConfig, ordersSubgraph } from "./index.ts";

await runSubgraphCli(() => ordersSubgraph(loadConfig()));
