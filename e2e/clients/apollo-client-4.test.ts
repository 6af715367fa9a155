// Issue #25: Apollo Client 4, with its defaults (it asks for application/graphql-response+json, so an
// operation that failed as a whole keeps the status of its error), through the real router.
import { ApolloClient, type ApolloLink, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache } from "@apollo/client-4";
import { BatchHttpLink } from "@apollo/client-4/link/batch-http";
import { SetContextLink } from "@apollo/client-4/link/context";
import { PersistedQueryLink } from "@apollo/client-4/link/persisted-queries";
import { relayStylePagination } from "@apollo/client-4/utilities";
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
  const auth = new SetContextLink(({ headers }) => ({
    headers: { ...headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
  }));
  return new ApolloClient({
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { products: relayStylePagination(["search"]) } } } }),
    link: auth.concat(options.link ?? new HttpLink({ uri: stack.routerUrl, fetch: options.fetch })),
  });
}

describe("Apollo Client 4", () => {
  it("pages through products with relayStylePagination, merging the pages in the cache", async () => {
    const search = `AC4 Page ${Date.now()}`;
    for (const name of ["A", "B", "C"]) await createProduct(stack, admin, { name: `${search} ${name}` });
    const apollo = client();
    const query = gql(PAGE);
    const first = await apollo.query<Page>({ query, variables: { first: 2, search } });
    expect(first.data?.products.edges.map((edge) => edge.node.name)).toEqual([`${search} A`, `${search} B`]);
    const observable = apollo.watchQuery<Page>({ query, variables: { first: 2, search } });
    const subscription = observable.subscribe(() => {});
    await observable.fetchMore({ variables: { after: first.data?.products.pageInfo.endCursor } });
    subscription.unsubscribe();
    const merged = apollo.readQuery<Page>({ query, variables: { first: 2, search } });
    expect(merged?.products.edges.map((edge) => edge.node.name)).toEqual([`${search} A`, `${search} B`, `${search} C`]);
    expect(merged?.products.pageInfo.hasNextPage).toBe(false);
  });

  it("sends the Bearer token from an auth link; a mutation then a refetch sees the change", async () => {
    const product = await createProduct(stack, admin, { name: "AC4 Repriced", priceCents: 100 });
    const apollo = client({ token: admin.token });
    const me = await apollo.query<{ me: { id: string } }>({ query: gql(`{ me { id } }`) });
    expect(me.data?.me.id).toBe(admin.id);
    expect(
      (await apollo.query<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } })).data?.product
        .priceCents,
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

  it("reads an error's code with CombinedGraphQLErrors.is(error) and error.errors", async () => {
    const [product, customer] = await Promise.all([createProduct(stack, admin), signUp(stack, "AC4 Customer")]);
    const fetched = recordingFetch();
    const failure = await client({ token: customer.token, fetch: fetched.fetch })
      .mutate({ mutation: gql(SET_PRICE), variables: { id: product.id, priceCents: 1 } })
      .catch((error: unknown) => error);
    expect(CombinedGraphQLErrors.is(failure)).toBe(true);
    expect(CombinedGraphQLErrors.is(failure) && failure.errors[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(fetched.calls).toEqual([
      {
        method: "POST",
        status: 403,
        contentType: "application/graphql-response+json; charset=utf-8",
        body: expect.any(String),
      },
    ]);
  });

  it("reads a log-in lockout's RATE_LIMITED with CombinedGraphQLErrors, answered 429", async () => {
    const user = await signUp(stack, "AC4 Locked Out");
    const fetched = recordingFetch();
    const logIn = (password: string) =>
      client({ fetch: fetched.fetch })
        .mutate({ mutation: gql(LOG_IN), variables: { email: user.email, password } })
        .catch((error: unknown) => error);
    for (const _ of [1, 2]) {
      const failure = await logIn("wrong password");
      expect(CombinedGraphQLErrors.is(failure) && failure.errors[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const blocked = await logIn("correct horse");
    expect(CombinedGraphQLErrors.is(blocked)).toBe(true);
    expect(CombinedGraphQLErrors.is(blocked) && blocked.errors[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(fetched.calls.map((call) => call.status)).toEqual([401, 401, 429]);
  });

  it("runs automatic persisted queries by hash over GET (PersistedQueryLink with useGETForHashedQueries)", async () => {
    const product = await createProduct(stack, admin, { name: "AC4 APQ" });
    const fetched = recordingFetch();
    const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: stack.routerUrl, fetch: fetched.fetch }),
    );
    const read = () => client({ link }).query<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } });
    expect((await read()).data?.product.name).toBe("AC4 APQ");
    expect((await read()).data?.product.name).toBe("AC4 APQ");
    // A GET by hash, unknown yet (404: no data, in application/graphql-response+json); the document then
    // (Apollo Client sends it by POST); afterwards a GET by hash.
    expect(fetched.calls.map((call) => [call.method, call.status])).toEqual([
      ["GET", 404],
      ["POST", 200],
      ["GET", 200],
    ]);
    expect(fetched.calls[2]?.url).toContain("sha256Hash");
    expect(fetched.calls[2]?.url).not.toContain("query=");
  });

  it("sends concurrent queries as one batch with BatchHttpLink", async () => {
    const products = await Promise.all(
      ["X", "Y", "Z"].map((name) => createProduct(stack, admin, { name: `AC4 Batch ${name}` })),
    );
    const fetched = recordingFetch();
    const apollo = client({ link: new BatchHttpLink({ uri: stack.routerUrl, fetch: fetched.fetch }) });
    const results = await Promise.all(
      products.map((product) => apollo.query<ProductData>({ query: gql(PRODUCT), variables: { id: product.id } })),
    );
    expect(results.map((result) => result.data?.product.name)).toEqual(["AC4 Batch X", "AC4 Batch Y", "AC4 Batch Z"]);
    expect(fetched.calls).toHaveLength(1);
    expect(JSON.parse(fetched.calls[0]?.body ?? "null")).toHaveLength(3);
  });
});
