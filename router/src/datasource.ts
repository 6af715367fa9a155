import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { INTERNAL_TOKEN_HEADER } from "@supergraph/kit";
import type { RouterContext } from "./context.ts";

/**
 * Sends subgraph requests on behalf of the verified viewer. Only the headers set here reach a subgraph
 * (the gateway forwards none of the client's), so a client cannot pass its own identity headers through;
 * the subgraph trusts the identity only because the internal token is signed.
 */
export class RouterDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    url: string,
    private readonly signInternalToken: (viewer: RouterContext["viewer"]) => string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    const viewer = "viewer" in context ? (context.viewer ?? null) : null;
    headers.set(INTERNAL_TOKEN_HEADER, this.signInternalToken(viewer));
    if ("requestId" in context && context.requestId) headers.set("x-request-id", context.requestId);
  }

  /** Collects what a subgraph says this operation changed, for the response cache to purge. */
  override didReceiveResponse({
    response,
    context,
  }: Required<Pick<GatewayGraphQLRequestContext<RouterContext>, "request" | "response" | "context">>): GatewayGraphQLResponse {
    const tags = response.extensions?.invalidate;
    if (Array.isArray(tags) && "invalidations" in context) {
      for (const tag of tags) if (typeof tag === "string") context.invalidations.add(tag);
    }
    return response;
  }
}
