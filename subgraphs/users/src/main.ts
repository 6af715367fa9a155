import { runSubgraphCli } from "@supergraph/kit/subgraph";
import { loadConfig, usersSubgraph } from "./index.ts";

await runSubgraphCli(() => usersSubgraph(loadConfig()));
