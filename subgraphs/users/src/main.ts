import { runSubgraphCli } from "@supergraph/kit";
import { loadConfig, usersSubgraph } from "./index.ts";

await runSubgraphCli(() => usersSubgraph(loadConfig()));
