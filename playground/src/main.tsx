import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { getOperationAST, OperationTypeNode, parse } from "graphql";
import { createClient } from "graphql-sse";
import "graphiql/style.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

// The playground talks to the router that served it (same origin), and to nothing else: GraphiQL and its
// styles are bundled here at build time instead of loaded from a CDN.
// Subscriptions over GraphQL over SSE (plain fetch: same origin, and the Headers tab's Authorization goes
// with it, as with every other operation); everything else over HTTP as usual.
const url = new URL("/graphql", window.location.href).toString();
const http = createGraphiQLFetcher({ url });
const fetcher: Fetcher = (params, options) => {
  let subscription = false;
  try {
    subscription =
      getOperationAST(parse(params.query), params.operationName ?? undefined)?.operation ===
      OperationTypeNode.SUBSCRIPTION;
  } catch {
    // The router reports the syntax error.
  }
  if (!subscription) return http(params, options);
  const client = createClient({
    url,
    singleConnection: false,
    retryAttempts: 0,
    headers: () => (options?.headers ?? {}) as Record<string, string>,
  });
  return client.iterate({
    query: params.query,
    operationName: params.operationName ?? undefined,
    variables: params.variables ?? undefined,
  });
};

const EXAMPLE = `# Welcome to the supergraph. Run this with ▶ (Ctrl-Enter).
#
# To act as a user, log in first (demo customer below):
#   mutation {
#     logIn(email: "customer@example.com",
#           password: "customer-password") { token }
#   }
# paste the token into the Headers tab:
#   { "Authorization": "Bearer <token>" }
# then try:
#   { me { name orders { totalCents
#          items { quantity product { name } } } } }
#
# Live data: run a subscription and watch its events arrive, e.g.
#   subscription { orderUpdated { status items { product { name stock } } } }
# (signed in), then place an order in another tab.

query Catalogue {
  products(first: 5) {
    totalCount
    edges {
      node {
        name
        priceCents
        stock
        posts {
          title
          author { name }
        }
      }
    }
  }
}
`;

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <GraphiQL
        fetcher={fetcher}
        defaultQuery={EXAMPLE}
        defaultHeaders={'{\n  "Authorization": ""\n}'}
        defaultEditorToolsVisibility="headers"
        isHeadersEditorEnabled
      />
    </StrictMode>,
  );
}
