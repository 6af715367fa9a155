import type { Server } from "node:http";
import { GraphQLError, type GraphQLSchema, getOperationAST, OperationTypeNode, parse, validate } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { ErrorCode } from "./errors.ts";
import { INTERNAL_TOKEN_HEADER, type InternalIdentity, verifyInternalToken } from "./internal-token.ts";
import type { Logger } from "./logger.ts";

export interface SubscriptionServerOptions<TContext> {
  name: string;
  server: Server;
  schema: GraphQLSchema;
  internalTokenSecret: string;
  context: (identity: InternalIdentity) => TContext;
  logger: Logger;
}

/**
 * A subgraph's subscriptions: GraphQL over WebSocket (graphql-ws) at `/graphql`, for the router only. The
 * connection proves its caller with an internal token in `connection_init`; each subscription names its
 * viewer with another in its `extensions` (one connection carries every viewer's subscriptions), verified
 * as a query's header is. Only subscriptions travel here: queries and mutations stay on `POST /graphql`.
 */
export function serveSubscriptions<TContext>(options: SubscriptionServerOptions<TContext>): { close(): Promise<void> } {
  const sockets = new WebSocketServer({ server: options.server, path: "/graphql" });
  const verify = (token: unknown) =>
    verifyInternalToken(typeof token === "string" ? token : undefined, options.internalTokenSecret);
  const refused = (message: string, code: ErrorCode) => [new GraphQLError(message, { extensions: { code } })];
  const server = useServer(
    {
      schema: options.schema,
      onConnect: (context) => verify(context.connectionParams?.[INTERNAL_TOKEN_HEADER]) !== null,
      onSubscribe: (_context, _id, payload) => {
        const identity = verify(payload.extensions?.[INTERNAL_TOKEN_HEADER]);
        if (!identity)
          return refused(
            `The ${options.name} subgraph only accepts subscriptions from the router.`,
            ErrorCode.UNAUTHENTICATED,
          );
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(options.schema, document);
        if (errors.length) return errors;
        if (getOperationAST(document, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
          return refused(
            "Only subscriptions are served over WebSocket; send queries and mutations with POST.",
            ErrorCode.BAD_REQUEST,
          );
        }
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: options.context(identity),
        };
      },
      onError: (_context, _id, _payload, errors) => {
        options.logger.warn({ errors: errors.map((error) => error.message) }, "subscription refused");
      },
    },
    sockets,
  );
  return {
    async close() {
      // Each subscription's socket closes as "going away": the router ends its clients' subscriptions, and they resubscribe.
      await server.dispose();
      sockets.close();
    },
  };
}
