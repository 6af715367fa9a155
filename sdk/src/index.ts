export { type Client, type ClientOptions, createClient } from "./client.ts";
export { type ErrorCode, type GraphQLErrorEntry, SupergraphError } from "./errors.ts";
export * from "./generated/documents.ts";
export type * from "./generated/graphql.ts";
