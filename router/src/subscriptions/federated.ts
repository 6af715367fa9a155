import { operationFromDocument, type Schema, Supergraph } from "@apollo/federation-internals";
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from "@apollo/gateway";
import {
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  QueryPlanner,
  type QueryPlannerConfig,
} from "@apollo/query-planner";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  getOperationAST,
  OperationTypeNode,
} from "graphql";

/** What the primary subgraph is asked for: its share of the client's subscription. */
export interface PrimaryRequest {
  subgraph: string;
  query: string;
  operationName: string | undefined;
  /** Only the variables the primary operation uses. */
  variables: Record<string, unknown>;
}

/** A subscription the planner has split into the primary subgraph's part and the rest. */
export interface PlannedSubscription {
  primary: PrimaryRequest;
  /** Runs [primary, rest] for one event of the primary subscription; the client's answer for it. */
  complete(event: GatewayGraphQLResponse, requestContext: GatewayGraphQLRequestContext): Promise<ExecutionResult>;
}

/**
 * Federated subscriptions over one supergraph. The query planner plans a subscription as a `Subscription`
 * node (the primary subgraph's subscription, then the rest of the plan for each event), which
 * @apollo/gateway's executor refuses. Each event is completed by the gateway's own executor running the
 * plan [primary, rest] with the primary fetch answered from the event instead of the network, so entity
 * fetches, rewrites, error paths and result shaping are the gateway's, exactly as for a query. No library
 * does this for @apollo/gateway (Apollo Router does it in Rust, Hive Gateway with its own planner).
 */
export class FederatedSubscriptions {
  private readonly planner: QueryPlanner;
  private readonly apiSchema: Schema;
  private readonly apiGraphQLSchema: GraphQLSchema;
  private readonly supergraphSchema: GraphQLSchema;

  constructor(
    supergraphSdl: string,
    /** The data sources the gateway fetches with (one per subgraph), so every fetch is the same. */
    private readonly dataSources: ReadonlyMap<string, GraphQLDataSource>,
    config: QueryPlannerConfig = {},
  ) {
    const supergraph = Supergraph.build(supergraphSdl, { validateSupergraph: false });
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph, config);
  }

  /** The schema clients' subscriptions are validated against. */
  get schema(): GraphQLSchema {
    return this.apiGraphQLSchema;
  }

  /** Plans a validated subscription document; throws a GraphQLError for one the planner refuses. */
  plan(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
  ): PlannedSubscription {
    const definition = getOperationAST(document, operationName);
    if (definition?.operation !== OperationTypeNode.SUBSCRIPTION) throw new Error("not a subscription operation");
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const queryPlan: QueryPlan = this.planner.buildQueryPlan(operation);
    const node = queryPlan.node;
    if (node?.kind !== "Subscription") throw new Error(`a subscription was planned as ${node?.kind ?? "nothing"}`);
    const primary = node.primary;
    const rest: PlanNode | undefined = node.rest;
    const eventPlan: QueryPlan = {
      kind: "QueryPlan",
      node: rest ? { kind: "Sequence", nodes: [primary, rest] } : primary,
    };
    const operationContext = buildOperationContext({
      schema: this.apiGraphQLSchema,
      operationDocument: document,
      operationName,
    });
    return {
      primary: {
        subgraph: primary.serviceName,
        query: primary.operation,
        operationName: primary.operationName,
        variables: pick(variables, primary.variableUsages),
      },
      complete: (event, requestContext) => {
        const serviceMap: ServiceMap = Object.fromEntries(this.dataSources);
        serviceMap[primary.serviceName] = replaying(primary, event, this.dataSources.get(primary.serviceName));
        return executeQueryPlan(
          eventPlan,
          serviceMap,
          requestContext,
          operationContext,
          this.supergraphSchema,
          this.apiSchema,
        );
      },
    };
  }
}

/** The primary subgraph's data source for one event: its first fetch of the primary operation is the event. */
function replaying(
  primary: FetchNode,
  event: GatewayGraphQLResponse,
  real: GraphQLDataSource | undefined,
): GraphQLDataSource {
  let replayed = false;
  return {
    process(options) {
      if (!replayed && options.request.query === primary.operation) {
        replayed = true;
        return Promise.resolve(event);
      }
      // The rest of the plan may come back to the primary subgraph (for fields behind another subgraph's entity).
      if (!real) return Promise.reject(new Error(`no data source for subgraph ${primary.serviceName}`));
      return real.process(options);
    },
  };
}

function pick(variables: Record<string, unknown>, names: readonly string[] | undefined): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names ?? []) if (name in variables) picked[name] = variables[name];
  return picked;
}
