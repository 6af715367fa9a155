// Issue #25: every mainstream GraphQL client works with the router as it is, persisted operations
// (PERSISTED_OPERATIONS=only) and browsers' CORS preflights included.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApolloClient, gql as apolloGql, HttpLink, InMemoryCache } from "@apollo/client/core";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { generatePersistedQueryManifest } from "@apollo/generate-persisted-query-manifest";
import { generatePersistedQueryIdsFromManifest } from "@apollo/persisted-query-lists";
import { LogInDocument, ProductsDocument } from "@supergraph/sdk";
import { cacheExchange, fetchExchange, Client as UrqlClient } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, type Stack, signUpAdmin, startStack } from "../harness.ts";

const sdkManifest = join(import.meta.dirname, "../../sdk/persisted-operations.json");
const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");

// An Apollo Client app's own documents, as its developers write them (no __typename: the cache adds it).
const SHOP_WINDOW = `
query ShopWindow($first: Int, $search: String) {
  products(first: $first, search: $search) { totalCount edges { node { ...Card } } }
}
fragment Card on Product { id name priceCents }
`;
const APP_LOG_IN = `mutation AppLogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }`;

let stack: Stack;
let dir: string;
let appManifestPath: string;
let appManifest: Awaited<ReturnType<typeof generatePersistedQueryManifest>>;
let safelisted: { url: string; close(): Promise<void> };
beforeAll(async () => {
  stack = await startStack();
  const admin = await signUpAdmin(stack);
  await createProduct(stack, admin, { name: "Client Lamp", priceCents: 4200 });
  dir = mkdtempSync(join(tmpdir(), "app-"));
  writeFileSync(join(dir, "shop-window.graphql"), SHOP_WINDOW);
  writeFileSync(join(dir, "log-in.graphql"), APP_LOG_IN);
  // What the app's build runs: `npx generate-persisted-query-manifest` (the CLI calls this function).
  appManifest = await generatePersistedQueryManifest(
    { documents: [join(dir, "*.graphql")] },
    join(dir, "persisted-query-manifest.config.json"),
  );
  appManifestPath = join(dir, "persisted-query-manifest.json");
  writeFileSync(appManifestPath, JSON.stringify(appManifest));
  safelisted = await stack.startRouter({
    PERSISTED_OPERATIONS: "only",
    PERSISTED_OPERATIONS_MANIFEST: `${sdkManifest}, ${appManifestPath}`,
  });
});
afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function apolloClient(link: ReturnType<typeof createPersistedQueryLink>) {
  return new ApolloClient({ cache: new InMemoryCache(), link: link.concat(new HttpLink({ uri: safelisted.url })) });
}

describe("Apollo Client 3 under PERSISTED_OPERATIONS=only", () => {
  it("runs the app's operations by the ids of its manifest from @apollo/generate-persisted-query-manifest", async () => {
    expect(appManifest.operations.map((operation) => operation.name).sort()).toEqual(["AppLogIn", "ShopWindow"]);
    const client = apolloClient(
      createPersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: () => appManifest })),
    );
    const { data } = await client.query({
      query: apolloGql(SHOP_WINDOW),
      variables: { first: 5, search: "Client Lamp" },
      fetchPolicy: "network-only",
    });
    expect(data).toMatchObject({
      products: { totalCount: 1, edges: [{ node: { __typename: "Product", name: "Client Lamp", priceCents: 4200 } }] },
    });

    const logIn = await client
      .mutate({
        mutation: apolloGql(APP_LOG_IN),
        variables: { email: "nobody@example.com", password: "wrong-password" },
      })
      .catch((error: Error) => error);
    // Run (and refused by the users subgraph), not refused by the safelist.
    expect(JSON.stringify(logIn)).toContain("UNAUTHENTICATED");
  });

  it("runs the SDK's documents with ids hashed at run time (the SDK's manifest has them as Apollo Client sends them)", async () => {
    const client = apolloClient(createPersistedQueryLink({ sha256 }));
    const { data } = await client.query({
      query: ProductsDocument,
      variables: { first: 5, search: "Client Lamp" },
      fetchPolicy: "network-only",
    });
    expect(data.products.edges[0]?.node).toMatchObject({ __typename: "Product", name: "Client Lamp" });
  });

  it("gets QUERY_NOT_IN_SAFELIST for a document in no manifest", async () => {
    const client = apolloClient(createPersistedQueryLink({ sha256 }));
    const failure = await client
      .query({ query: apolloGql("query Unknown { products(first: 1) { totalCount } }") })
      .catch((error: Error) => error);
    expect(JSON.stringify(failure)).toContain("QUERY_NOT_IN_SAFELIST");
  });
});

describe("urql under PERSISTED_OPERATIONS=only", () => {
  it("runs the SDK's documents: queries by hash (GET), mutations by their text", async () => {
    const client = new UrqlClient({
      url: safelisted.url,
      // urql sends hashed queries as GETs, which Apollo Server's CSRF prevention wants preflighted.
      fetchOptions: { headers: { "apollo-require-preflight": "true" } },
      exchanges: [cacheExchange, persistedExchange({ generateHash: sha256 }), fetchExchange],
    });
    const products = await client.query(ProductsDocument, { first: 5, search: "Client Lamp" }).toPromise();
    expect(products.error).toBeUndefined();
    expect(products.data?.products.edges[0]?.node).toMatchObject({ __typename: "Product", name: "Client Lamp" });

    // Not persisted by urql's exchange: the whole text, matched against the manifest's bodies.
    const logIn = await client
      .mutation(LogInDocument, { email: "nobody@example.com", password: "wrong-password" })
      .toPromise();
    expect(logIn.error?.graphQLErrors[0]?.extensions.code).toBe("UNAUTHENTICATED");
  });
});

describe("browsers", () => {
  it("a preflight from another origin with Apollo Studio's and W3C tracing headers is allowed", async () => {
    const preflight = await fetch(stack.routerUrl, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers":
          "content-type,apollographql-client-name,apollographql-client-version,traceparent,tracestate",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining([
        "content-type",
        "apollographql-client-name",
        "apollographql-client-version",
        "traceparent",
        "tracestate",
      ]),
    );
  });

  it("CORS_ALLOW_HEADERS and CORS_EXPOSE_HEADERS replace the lists", async () => {
    const router = await stack.startRouter({
      CORS_ALLOW_HEADERS: "content-type, X-Tenant",
      CORS_EXPOSE_HEADERS: "x-cache",
    });
    const preflight = await fetch(router.url, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-tenant",
      },
    });
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type, x-tenant");
    const response = await fetch(router.url, {
      method: "POST",
      headers: { origin: "https://app.example.com", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ products(first: 1) { totalCount } }" }),
    });
    expect(response.headers.get("access-control-expose-headers")).toBe("x-cache");
    await router.close();
  });
});
