import { runSubgraphCli } from "@supergraph/kit";
import { loadConfig, ordersSubgraph } from "./index.ts";

await runSubgraphCli(() => ordersSubgraph(loadConfig()));
