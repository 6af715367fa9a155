import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { ErrorCode, requestId, type UserTokenConfig, type VerifiedToken } from "@supergraph/kit/runtime";
import { type ExecutionResult, type FormattedExecutionResult, GraphQLError, parse } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { type WebSocket, WebSocketServer } from "ws";
import { identify } from "../context.ts";
import type { Subscriber, SubscriptionService } from "./service.ts";

export interface WebSocketOptions {
  server: Server;
  service: SubscriptionService;
  jwt: UserTokenConfig;
  /** Whether a browser page from this origin may open a connection (the CORS allow-list). */
  allowsOrigin: (origin: string | undefined) => boolean;
  clientIp: (request: IncomingMessage) => string;
  /** Live subscriptions on one connection. */
  maxPerConnection: number;
  /** Open connections from one client address: idle ones cost a file handle each. */
  maxConnectionsPerAddress: number;
  /** The largest message a client may send. */
  maxMessageBytes: number;
  /** A connection whose unsent messages pass this is closed (a slow consumer never grows our memory). */
  maxBufferedBytes: number;
  /** Pings this often; a connection that has not answered the previous ping is dropped. */
  pingIntervalMs: number;
  onSlowConsumer: () => void;
}

/** Per connection: who it is for, and its live subscriptions. */
interface Connection {
  subscriber: Subscriber;
  live: number;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol, what Apollo Client's GraphQLWsLink and urql's
 * subscriptionExchange speak) at `/graphql`. The token comes in `connection_init`'s payload
 * (`{ "authorization": "Bearer …" }`): browsers cannot set headers on a WebSocket. A refused token closes
 * the connection with 4403; everything else is the subscription service's (service.ts).
 */
export function serveWebSocketSubscriptions(options: WebSocketOptions): { close(): Promise<void> } {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  const perAddress = new Map<string, number>();
  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = request.url?.split("?")[0];
    if (path !== "/graphql") return refuseUpgrade(socket, 404, "Not Found");
    // A page on another site must not open a connection in its visitor's name (browsers send Origin; other clients need not).
    if (!options.allowsOrigin(request.headers.origin)) return refuseUpgrade(socket, 403, "Forbidden");
    const address = options.clientIp(request);
    const open = perAddress.get(address) ?? 0;
    if (open >= options.maxConnectionsPerAddress) return refuseUpgrade(socket, 429, "Too Many Requests");
    perAddress.set(address, open + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    };
    // Counted from the upgrade until the socket closes, whether or not the handshake completes.
    socket.once("close", release);
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.once("close", release);
      sockets.emit("connection", ws, request);
    });
  };
  options.server.on("upgrade", upgrade);
  const connections = new WeakMap<WebSocket, Connection>();

  const server = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: (context) => {
        const params = context.connectionParams ?? {};
        const authorization = params.authorization ?? params.Authorization;
        // Refused with 4403 as graphql-ws refuses, its reason saying why (an expired token is refreshed, a
        // forged one is not): the client sees the reason, where graphql-ws alone says "Forbidden".
        const refuse = (reason: string) => {
          context.extra.socket.close(CloseCode.Forbidden, reason);
          return false;
        };
        // Credentials that are not a string are refused, as a malformed header is: never read as anonymous.
        if (authorization != null && typeof authorization !== "string")
          return refuse("The authorization must be a string: `Bearer <token>`.");
        let token: VerifiedToken | null;
        try {
          token = identify({ authorization: authorization ?? undefined }, options.jwt);
        } catch (error) {
          return refuse(error instanceof Error ? error.message.slice(0, 120) : "Forbidden");
        }
        const request = context.extra.request;
        connections.set(context.extra.socket, {
          subscriber: {
            token,
            clientIp: options.clientIp(request),
            requestId: requestId(request.headers),
            headers: request.headers,
          },
          live: 0,
        });
        return true;
      },
      onSubscribe: async (context, _id, payload) => {
        const connection = connections.get(context.extra.socket);
        if (!connection)
          return [
            new GraphQLError("The connection is not initialised.", { extensions: { code: ErrorCode.BAD_REQUEST } }),
          ];
        if (connection.live >= options.maxPerConnection) {
          return [
            new GraphQLError(`At most ${options.maxPerConnection} subscriptions per connection.`, {
              extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 1 },
            }),
          ];
        }
        // Counted from before the checks (a burst of subscribe messages must not pass the limit together) until
        // it ends, however it ends (a wrapping generator would see the client's end only at the next event).
        connection.live++;
        let started: Awaited<ReturnType<SubscriptionService["subscribe"]>>;
        try {
          started = await options.service.subscribe(payload, connection.subscriber, () => connection.live--);
        } catch (error) {
          connection.live--;
          throw error;
        }
        if (!(Symbol.asyncIterator in started)) {
          connection.live--;
          return (started as ExecutionResult).errors ?? [];
        }
        // The document is checked already; graphql-ws only reads its operation type to call `subscribe`.
        return {
          schema: options.service.schema,
          document: parse(payload.query),
          operationName: payload.operationName,
          contextValue: { stream: started },
        };
      },
      subscribe: (args) => (args.contextValue as { stream: AsyncGenerator<ExecutionResult> }).stream,
      onNext: (context, _id, _payload, _args, result) => {
        const socket = context.extra.socket;
        if (socket.bufferedAmount > options.maxBufferedBytes) {
          options.onSlowConsumer();
          socket.close(CloseCode.InternalServerError, "Slow consumer: messages were not read in time");
        }
        // Sent as the service made it: its errors are formatted already.
        return result as FormattedExecutionResult;
      },
    },
    sockets,
  );

  // Pings keep idle connections open through proxies, and find the dead ones.
  const alive = new WeakSet<WebSocket>();
  sockets.on("connection", (socket) => {
    alive.add(socket);
    socket.on("pong", () => alive.add(socket));
  });
  const pinger = setInterval(() => {
    for (const socket of sockets.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, options.pingIntervalMs);
  pinger.unref();

  return {
    async close() {
      clearInterval(pinger);
      options.server.off("upgrade", upgrade);
      await server.dispose();
      sockets.close();
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
