/**
 * The kit's subgraph face: what writing a subgraph takes. `startSubgraph(spec)` runs one (database,
 * server, CLI); resolvers get the caller's identity from the router's internal token, guards to check
 * it, per-request loaders, input validation, keyset pagination, error helpers for user mistakes, cache
 * tags and invalidations for the router's response cache, an event bus for subscriptions, and a client
 * to call a sibling subgraph directly. Every subgraph has one shape: `schema.graphql` and `codegen.ts` (resolver types into
 * `src/generated/`), and in `src/` `index.ts`, `main.ts`, `config.ts`, `context.ts` with
 * `createContext(deps, identity)`, `resolvers/`, `loaders/`, `data/` (its own database), `clients/` (calls
 * to sibling subgraphs) and `rules/` (domain rules), the last two where it has any. Logging, config
 * parsing, error codes and the viewer type are in the runtime face (`@supergraph/kit/runtime`).
 */

export { useCacheTags } from "../cache-tags.ts";
export { loadSubgraphConfig, type SubgraphConfig } from "../config.ts";
export { badUserInput, forbidden, notFound } from "../errors.ts";
export { createEventBus, type EventBus } from "../events.ts";
export { canAccess, requireAdmin, requireCaller, requireViewer } from "../guards.ts";
export type { InternalIdentity } from "../internal-token.ts";
export { entityTag, type InvalidationContext, invalidate, useInvalidationReport } from "../invalidation.ts";
export { createByIdLoader, createGroupLoader, createSliceLoader, isUuid, type SliceKey } from "../loaders.ts";
export { connectionArgs, emptyConnection, keysetConnection, sliceArgs } from "../pagination.ts";
export { loadSchemaFile } from "../schema-file.ts";
export { type CallOptions, createServiceClient, ServiceUnreachableError } from "../service-client.ts";
export { type RunningSubgraph, type SubgraphPlugin, type SubgraphSpec, startSubgraph } from "../subgraph.ts";
export { CommandError, runSubgraphCli } from "../subgraph-cli.ts";
// The server alone, for a subgraph with no database of its own (tests' small subgraphs).
export { startSubgraphServer } from "../subgraph-server.ts";
export { uuidId, validate } from "../validation.ts";
