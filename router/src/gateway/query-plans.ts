import { createHash } from "node:crypto";
import { operationFromDocument, Supergraph } from "@apollo/federation-internals";
import { type QueryPlan, type QueryPlanCache, QueryPlanner, type QueryPlannerConfig } from "@apollo/query-planner";
import type { KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { Logger } from "@supergraph/kit/runtime";
import { type DocumentNode, Kind, type OperationDefinitionNode, OperationTypeNode, parse } from "graphql";
import type { Counter } from "prom-client";
import type { RouterConfig } from "../config.ts";
import { BoundedCache, heapEstimate } from "../process/bounded-cache.ts";

/**
 * The key @apollo/gateway files an operation's plan under: the sha256 of the query text (Apollo Server's
 * `queryHash`), hashed again with the operation name when the request names one.
 */
export function queryPlanKey(document: string, operationName?: string): string {
  const queryHash = createHash("sha256").update(document).digest("hex");
  return operationName ? createHash("sha256").update(queryHash).update(operationName).digest("hex") : queryHash;
}

/**
 * The gateway's query-plan store, handed to it as `queryPlannerConfig.cache` (its public option) so that
 * the router can fill it before traffic arrives and count what it finds: the same in-memory LRU the
 * gateway builds by default, plus a hit/miss counter (a miss is a plan built while a request waits).
 */
export class QueryPlanStore implements QueryPlanCache {
  /** Bounded by QUERY_PLAN_CACHE_MAX_BYTES (the gateway's own store weighs a plan as its JSON alone). */
  readonly plans: BoundedCache<QueryPlan>;

  constructor(
    private readonly lookups?: Counter<"result">,
    maxBytes = 32 * 2 ** 20,
  ) {
    this.plans = new BoundedCache<QueryPlan>("query_plans", maxBytes, heapEstimate);
  }

  async get(key: string): Promise<QueryPlan | undefined> {
    const plan = await this.plans.get(key);
    this.lookups?.inc({ result: plan ? "hit" : "miss" });
    return plan;
  }

  /** The keys filed (most recently used first), without counting lookups. */
  keys(): string[] {
    return this.plans.keys();
  }

  /** Whether a plan is filed under `key`, without counting a lookup. */
  has(key: string): boolean {
    return this.plans.has(key);
  }

  set(key: string, plan: QueryPlan, options?: KeyValueCacheSetOptions): Promise<void> {
    return this.plans.set(key, plan, options);
  }

  delete(key: string): Promise<boolean> {
    return this.plans.delete(key);
  }

  /** The gateway clears its store whenever the supergraph changes. */
  clear(): void {
    this.plans.clear();
  }
}

export interface WarmUpResult {
  /** Plans filed (an operation sent with and without its name counts once). */
  planned: number;
  /** Operations that could not be planned: not valid against this supergraph (a manifest built for another schema), or refused by the planner. */
  invalid: Array<{ operation: string; reason: string }>;
  /** False when a newer supergraph arrived meanwhile: this one's plans were dropped. */
  current: boolean;
  ms: number;
}

/**
 * Query-plan warm-up. @apollo/gateway plans an operation when its first request arrives, and planning is
 * synchronous: that request waits, and so does every request queued behind it on the event loop. So for
 * each document of the persisted-operations manifest (the operations the apps will send) the router builds the plan
 * with a planner of its own over the same supergraph and files it where the gateway will look: at start-up,
 * before the router listens, and after every reload (the gateway empties its store then; requests arriving
 * before the warm-up has refilled it are planned as they come). Plans are plain data, independent of the planner
 * instance (the gateway's store can even be shared), so the gateway uses them as its own. No library
 * does this for @apollo/gateway; Apollo Router and Cosmo have the same feature built in.
 */
export class QueryPlanWarmer {
  private generation = 0;

  constructor(
    private readonly store: QueryPlanStore,
    private readonly documents: () => Iterable<string>,
    private readonly logger: Logger,
    private readonly config: QueryPlannerConfig = {},
    /** Apollo's security limits, as the gateway applies them (config.queryPlannerSecurity). */
    private readonly security: RouterConfig["queryPlannerSecurity"] = {
      recursiveSelectionsLimitDisabled: false,
      nonLocalSelectionsLimitDisabled: false,
    },
  ) {}

  /**
   * Plans every document against `supergraphSdl`, one per event-loop turn (each plan is synchronous work;
   * between them requests are served). A call for a newer supergraph supersedes one still running: its
   * remaining documents are skipped and nothing more of it is filed, since the gateway cleared the store
   * for the new schema and an old plan there would be used for it.
   */
  async warm(supergraphSdl: string): Promise<WarmUpResult> {
    const generation = ++this.generation;
    const started = performance.now();
    const result: WarmUpResult = { planned: 0, invalid: [], current: true, ms: 0 };
    // Out of the gateway's update callback, and a turn of the event loop between the costly steps (tens
    // of ms each for this supergraph, more for larger ones): requests go on meanwhile.
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    // The gateway has validated this supergraph already (outside production; in production it skips that).
    const supergraph = Supergraph.build(supergraphSdl, { validateSupergraph: false });
    await turn();
    const apiSchema = supergraph.apiSchema();
    await turn();
    const planner = new QueryPlanner(supergraph, this.config);
    for (const document of this.documents()) {
      await turn();
      if (generation !== this.generation) break;
      let operations: OperationDefinitionNode[];
      let parsed: DocumentNode;
      try {
        parsed = parse(document);
        operations = parsed.definitions.flatMap((definition) =>
          definition.kind === Kind.OPERATION_DEFINITION ? [definition] : [],
        );
      } catch (error) {
        result.invalid.push({ operation: document.trim().slice(0, 60), reason: (error as Error).message });
        continue;
      }
      for (const operation of operations) {
        // The gateway never executes a subscription (subscriptions/ plans its own): nothing to warm.
        if (operation.operation === OperationTypeNode.SUBSCRIPTION) continue;
        const name = operation.name?.value;
        try {
          const plan = planner.buildQueryPlan(
            operationFromDocument(apiSchema, parsed, { operationName: name }),
            this.security,
          );
          // A client may send a document of one operation without its name: the gateway then keys by the
          // query alone. (An anonymous operation among several cannot be run at all.)
          const keys = [
            ...(name ? [queryPlanKey(document, name)] : []),
            ...(operations.length === 1 ? [queryPlanKey(document)] : []),
          ];
          if (generation !== this.generation) break;
          // No await between this check and the filing: a newer supergraph cannot slip in between.
          for (const key of keys) void this.store.set(key, plan);
          if (keys.length) result.planned++;
        } catch (error) {
          result.invalid.push({ operation: name ?? document.trim().slice(0, 60), reason: (error as Error).message });
        }
      }
    }
    result.current = generation === this.generation;
    result.ms = Math.round(performance.now() - started);
    if (!result.current) {
      this.logger.info({ planned: result.planned }, "query plan warm-up superseded by a newer supergraph");
    } else if (result.invalid.length) {
      this.logger.warn(
        {
          planned: result.planned,
          skipped: result.invalid.length,
          ms: result.ms,
          invalid: result.invalid.slice(0, 10),
        },
        `query plans warmed; ${result.invalid.length} persisted operation(s) could not be planned against this supergraph`,
      );
    } else {
      this.logger.info({ planned: result.planned, ms: result.ms }, "query plans warmed");
    }
    return result;
  }
}
