// Issue #25: Apollo Client 3, with its defaults (Accept: */*, so the router answers application/json, 200),
// through the real router.
import { ApolloClient, ApolloError, type ApolloLink, gql, HttpLink, InMemoryCache } from "@apollo/client/core";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { setContext } from "@apollo/client/link/context";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, type SignedIn, type Stack, signUp, signUpAdmin, startStack } from "../harness.ts";
import { LOG_IN, PAGE, type Page, PRODUCT, type ProductData, recordingFetch, SET_PRICE, sha256 } from "./documents.ts";

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  // Two wrong passwords in a row block an account (the lockout test below).
  stack = await startStack({ usersEnv: { LOGIN_MAX_CONSECUTIVE_FAILS: "2" } });
  admin = await signUpAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

function client(options: { token?: string; link?: ApolloLink; fetch?: typeof fetch } = {}) {
  const auth = setContext((_, { headers }) => ({
    headers: { ...headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
  }));
  return new ApolloClient({
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { products: relayStylePagination(["search"]) } } } }),
    link: auth.concat(options.link ?? new HttpLink({ uri: stack.routerUrl, fetch: options.fetch })),
  });
}

const failed = (): never => {
  throw new Error("the request should have failed");
};

describe("Apollo Client 3", () => {
  it("pages through products with relayStylePagination, merging the pages in the cache", async () => {
    const search = `AC3 Page ${Date.now()}`;
    for (const name of ["A", "B", "C"]) await createProduct(stack, admin, { name: `${search} ${name}` });
    const apollo = client();
    const query = gql(PAGE);
    const first = await apollo.query<Page>({ query, variables: { first: 2, search } });
    expect(first.data.products.edges.map((edge) => edge.node.name)).toEqual([`${search} A`, `${search} B`]);
    const observable = apollo.watchQuery<Page>({ query, variables: { first: 2, search } });
    const subscription = observable.subscribe(() => {});
    await observable.fetchMore({ variables: { after: first.data.products.pageInfo.endCursor } });
    subscription.unsubscribe();
    const merged = apollo.readQuery<Page>({ query, variables: { first: 2, search } });
    expect(merged?.products.edges.map((edge) => edge.node.name)).toEqual([`${search} A`, `${search} B`, `${search} C`]);
    expect(merged?.products.pageInfo.hasNextPage).toBe(false);
  });

  it("sends the Bearer token from an auth link; a mutation then a refetch sees the change", async () => {
    const product = await createProduct(stack, admin, { name: "AC3 Repriced", priceCents: 100 });
    const apollo = client({ token: admin.token });
    const me = await apollo.query<{ me: { id: string } }>({ query: gql(`{ me { id } }`) });
    expect(me.data.me.id).toBe(admin.id);
    expect(
      (await apollo.query<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } })).data.product.priceCents,
    ).toBe(100);
    await apollo.mutate({
      mutation: gql(SET_PRICE),
      variables: { id: product.id, priceCents: 150 },
      refetchQueries: [{ query: gql(PRODUCT), variables: { id: product.id } }],
      awaitRefetchQueries: true,
    });
    expect(
      apollo.readQuery<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } })?.product.priceCents,
    ).toBe(150);
  });

  it("reads an error's code from error.graphQLErrors, the router answering application/json with 200", async () => {
    const [product, customer] = await Promise.all([createProduct(stack, admin), signUp(stack, "AC3 Customer")]);
    const fetched = recordingFetch();
    const failure = await client({ token: customer.token, fetch: fetched.fetch })
      .mutate({ mutation: gql(SET_PRICE), variables: { id: product.id, priceCents: 1 } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApolloError);
    expect((failure as ApolloError).graphQLErrors[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(fetched.calls).toEqual([
      { method: "POST", status: 200, contentType: "application/json; charset=utf-8", body: expect.any(String) },
    ]);
  });

  it("reads a log-in lockout's RATE_LIMITED from error.graphQLErrors too: a refusal of the users subgraph is a GraphQL error (200)", async () => {
    const user = await signUp(stack, "AC3 Locked Out");
    const fetched = recordingFetch();
    const logIn = (password: string) =>
      client({ fetch: fetched.fetch })
        .mutate({ mutation: gql(LOG_IN), variables: { email: user.email, password } })
        .then(failed, (error: unknown) => error as ApolloError);
    for (const _ of [1, 2])
      expect((await logIn("wrong password")).graphQLErrors[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const blocked = await logIn("correct horse");
    expect(blocked).toBeInstanceOf(ApolloError);
    expect(blocked.graphQLErrors[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(blocked.graphQLErrors[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(fetched.calls.map((call) => call.status)).toEqual([200, 200, 200]);
  });

  it("gets a refusal of the transport (413: a body over the limit) as error.networkError, its code in result.errors", async () => {
    const failure = await client()
      .query({ query: gql(PRODUCT), variables: { id: "x".repeat(3 * 1024 * 1024) } })
      .then(failed, (error: unknown) => error as ApolloError);
    const network = failure.networkError as {
      statusCode?: number;
      result?: { errors?: { extensions?: { code?: string } }[] };
    };
    expect(network.statusCode).toBe(413);
    expect(network.result?.errors?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("runs automatic persisted queries by hash over GET (createPersistedQueryLink with useGETForHashedQueries)", async () => {
    const product = await createProduct(stack, admin, { name: "AC3 APQ" });
    const fetched = recordingFetch();
    const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: stack.routerUrl, fetch: fetched.fetch }),
    );
    const read = () => client({ link }).query<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } });
    expect((await read()).data.product.name).toBe("AC3 APQ");
    expect((await read()).data.product.name).toBe("AC3 APQ");
    // A GET by hash, unknown yet; the document then (Apollo Client sends it by POST); afterwards a GET by hash.
    expect(fetched.calls.map((call) => [call.method, call.status])).toEqual([
      ["GET", 200],
      ["POST", 200],
      ["GET", 200],
    ]);
    expect(fetched.calls[2]?.url).toContain("sha256Hash");
    expect(fetched.calls[2]?.url).not.toContain("query=");
  });

  it("sends concurrent queries as one batch with BatchHttpLink", async () => {
    const products = await Promise.all(
      ["X", "Y", "Z"].map((name) => createProduct(stack, admin, { name: `AC3 Batch ${name}` })),
    );
    const fetched = recordingFetch();
    const apollo = client({ link: new BatchHttpLink({ uri: stack.routerUrl, fetch: fetched.fetch }) });
    const results = await Promise.all(
      products.map((product) => apollo.query<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } })),
    );
    expect(results.map((result) => result.data.product.name)).toEqual(["AC3 Batch X", "AC3 Batch Y", "AC3 Batch Z"]);
    expect(fetched.calls).toHaveLength(1);
    expect(JSON.parse(fetched.calls[0]?.body ?? "null")).toHaveLength(3);
  });
});
