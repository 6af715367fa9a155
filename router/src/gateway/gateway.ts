import { ApolloGateway } from "@apollo/gateway";
import { createInternalTokenSigner, type Logger } from "@supergraph/kit/runtime";
import { disableApolloTelemetry, type RouterConfig } from "../config.ts";
import type { RouterMetrics } from "../process/metrics.ts";
import type { Revocations } from "../protection/revocations.ts";
import { RouterDataSource } from "./datasource.ts";
import { createSubgraphFetcher, type SubgraphFetcher } from "./fetcher.ts";
import type { QueryPlanStore } from "./query-plans.ts";
import type { SubgraphName } from "./subgraphs.ts";
import { supergraphFromFile } from "./supergraph.ts";

/** The federated gateway over the supergraph file: one data source (and one connection pool) per subgraph. */
export function createGateway(options: {
  config: RouterConfig;
  logger: Logger;
  metrics: RouterMetrics;
  revocations: Revocations;
  queryPlans: QueryPlanStore;
}) {
  const { config, logger, metrics, revocations } = options;
  const signInternalToken = createInternalTokenSigner("router", config.internalTokenSecret);
  const transports = new Map<string, SubgraphFetcher>();
  // What the gateway builds per subgraph, for subscriptions: their events are completed with the same fetches.
  const dataSources = new Map<string, RouterDataSource>();
  const urls = new Map<string, string>();
  disableApolloTelemetry();
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.supergraphPath, config.watchSupergraph, logger),
    // Each subgraph is reached at its `<NAME>_URL`, else at its routing URL in the supergraph (the local
    // defaults, from composition); subgraphs the config does not name (a benchmark's) get the defaults.
    buildService: ({ name, url }) => {
      const known = config.subgraphs[name as SubgraphName];
      const target = { url: known?.url ?? url ?? "", timeoutMs: known?.timeoutMs ?? config.defaultSubgraphTimeoutMs };
      let transport = transports.get(name);
      if (!transport) {
        transport = createSubgraphFetcher(name, {
          timeoutMs: target.timeoutMs,
          connections: config.subgraphMaxConnections,
        });
        transports.set(name, transport);
      }
      const dataSource = new RouterDataSource(
        name,
        target.url,
        transport,
        signInternalToken,
        metrics,
        config.coalesce,
        revocations,
      );
      dataSources.set(name, dataSource);
      urls.set(name, target.url);
      return dataSource;
    },
    // The gateway's plan store is ours, so that the warmer can fill it (and its lookups are counted).
    queryPlannerConfig: { cache: options.queryPlans },
    logger,
  });
  return {
    gateway,
    dataSources: dataSources as ReadonlyMap<string, RouterDataSource>,
    urls: urls as ReadonlyMap<string, string>,
    signInternalToken,
    /** Closes the subgraphs' connection pools (after Apollo Server has stopped). */
    closeTransports: () => Promise.all([...transports.values()].map((transport) => transport.close())),
  };
}
