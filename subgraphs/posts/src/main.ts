import { runSubgraphCli } from "@supergraph/kit";
import { loadConfig, postsSubgraph } from "./index.ts";

await runSubgraphCli(() => postsSubgraph(loadConfig()));
