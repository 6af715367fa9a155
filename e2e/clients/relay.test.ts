// Issue #25: a Relay environment (relay-runtime) through the real router, for plain queries. The request
// below is what the Relay compiler would generate for PRODUCT_QUERY, written by hand to keep the compiler
// out of the tests.
//
// Not offered: Relay's global object identification (a `Node` interface and `Query.node(id:)`), which its
// refetchable fragments and `@refetchable` need. The schema has neither; a later change could add them.
import {
  type ConcreteRequest,
  Environment,
  fetchQuery,
  type GraphQLResponse,
  Network,
  RecordSource,
  Store,
} from "relay-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, type SignedIn, type Stack, signUpAdmin, startStack } from "../harness.ts";

const PRODUCT_QUERY = `query RelayProductQuery($id: ID!) { product(id: $id) { id name priceCents } }`;

const argumentDefinitions = [{ defaultValue: null, kind: "LocalArgument", name: "id" }] as const;
const selections = [
  {
    alias: null,
    args: [{ kind: "Variable", name: "id", variableName: "id" }],
    concreteType: "Product",
    kind: "LinkedField",
    name: "product",
    plural: false,
    selections: ["id", "name", "priceCents"].map((name) => ({
      alias: null,
      args: null,
      kind: "ScalarField",
      name,
      storageKey: null,
    })),
    storageKey: null,
  },
] as const;
const RelayProductQuery = {
  fragment: {
    argumentDefinitions,
    kind: "Fragment",
    metadata: null,
    name: "RelayProductQuery",
    selections,
    type: "Query",
    abstractKey: null,
  },
  kind: "Request",
  operation: { argumentDefinitions, kind: "Operation", name: "RelayProductQuery", selections },
  params: {
    cacheID: "RelayProductQuery",
    id: null,
    metadata: {},
    name: "RelayProductQuery",
    operationKind: "query",
    text: PRODUCT_QUERY,
  },
} as unknown as ConcreteRequest;

let stack: Stack;
let admin: SignedIn;
beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

function environment(token?: string) {
  const network = Network.create(async (params, variables) => {
    const response = await fetch(stack.routerUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json;q=0.9",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: params.text, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  });
  return new Environment({ network, store: new Store(new RecordSource()) });
}

describe("Relay", () => {
  it("runs a query with fetchQuery and normalizes its records by id in the store", async () => {
    const product = await createProduct(stack, admin, { name: "Relay Lamp", priceCents: 900 });
    const relay = environment(admin.token);
    const data = await fetchQuery<{
      response: { product: { id: string; name: string; priceCents: number } };
      variables: { id: string };
    }>(relay, RelayProductQuery, { id: product.id }).toPromise();
    expect(data?.product).toEqual({ id: product.id, name: "Relay Lamp", priceCents: 900 });
    const record = relay.getStore().getSource().get(product.id);
    expect(record).toMatchObject({ __typename: "Product", name: "Relay Lamp", priceCents: 900 });
  });
});
