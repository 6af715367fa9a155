import { runSubgraphCli } from "@supergraph/kit/subgraph";
import { loadConfig, postsSubgraph } from "./index.ts";

await runSubgraphCli(() => postsSubgraph(loadConfig()));
