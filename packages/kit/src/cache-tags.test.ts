import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { useCacheTags } from "./cache-tags.ts";

const products = [
  { id: "1", name: "Lamp", sku: "L-1" },
  { id: "2", name: "Desk", sku: "D-2" },
];
const server = new ApolloServer({
  schema: buildSubgraphSchema({
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      interface Node { id: ID! }
      type Product implements Node @key(fields: "id") { id: ID! name: String! sku: String! }
      type Review @key(fields: "product { id } author") { product: Product! author: String! body: String! }
      type Edge { node: Product! }
      type Query {
        product(id: ID!): Product
        products(search: String): [Edge!]!
        node(id: ID!): Node
        review: Review
        count: Int!
      }
      type Mutation { rename(id: ID!): Product }
    `),
    resolvers: {
      Query: {
        product: (_: unknown, { id }: { id: string }) => products.find((product) => product.id === id) ?? null,
        products: (_: unknown, { search }: { search?: string }) =>
          products.filter((product) => !search || product.name.includes(search)).map((node) => ({ node })),
        node: (_: unknown, { id }: { id: string }) => products.find((product) => product.id === id) ?? null,
        review: () => ({ product: products[0], author: "ann", body: "Good" }),
        count: () => products.length,
      },
      Mutation: { rename: () => products[0] },
      Node: { __resolveType: () => "Product" },
      Product: {
        __resolveReference: (reference: { id: string }) =>
          products.find((product) => product.id === reference.id) ?? null,
      },
    },
  }),
  plugins: [useCacheTags()],
});

async function extensionsOf(query: string, variables?: Record<string, unknown>) {
  const response = await server.executeOperation({ query, variables });
  if (response.body.kind !== "single") throw new Error("not a single result");
  expect(response.body.singleResult.errors).toBeUndefined();
  return response.body.singleResult.extensions;
}

describe("cache tags reported by a subgraph", () => {
  it("names the entities a root field returned and the entity types it read, whatever the aliases", async () => {
    expect(await extensionsOf(`{ product(id: "1") { name } }`)).toEqual({
      apolloCacheTags: expect.arrayContaining(["Product", "Product:1"]),
    });
    const aliased = await extensionsOf(`{ __cacheId: product(id: "2") { id: sku __typename } }`);
    expect(new Set(aliased?.apolloCacheTags as string[])).toEqual(new Set(["Product", "Product:2"]));
  });

  it("names the type of a list that came back empty", async () => {
    expect(await extensionsOf(`{ products(search: "nothing") { node { name } } }`)).toEqual({
      apolloCacheTags: ["Product"],
    });
    expect(new Set((await extensionsOf(`{ products { node { name } } }`))?.apolloCacheTags as string[])).toEqual(
      new Set(["Product", "Product:1", "Product:2"]),
    );
  });

  it("names the entity types a selection is made of when it selects none of their fields (a connection's count)", async () => {
    expect(await extensionsOf(`{ products { __typename } }`)).toEqual({ apolloCacheTags: ["Product"] });
  });

  it("tags an entity none of whose fields were resolved (only __typename), through an interface", async () => {
    const tags = (await extensionsOf(`{ node(id: "2") { __typename } }`))?.apolloCacheTags as string[];
    expect(tags).toContain("Product:2");
  });

  it("tags an entity whose key is not plain fields of its object as any entity of its type", async () => {
    const tags = (await extensionsOf(`{ review { body } }`))?.apolloCacheTags as string[];
    expect(new Set(tags)).toEqual(new Set(["Review", "Review:*"]));
  });

  it("reports one list per entity of an _entities fetch, by position", async () => {
    const extensions = await extensionsOf(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } } }`,
      {
        r: [
          { __typename: "Product", id: "2" },
          { __typename: "Product", id: "9" },
          { __typename: "Product", id: "1" },
        ],
      },
    );
    expect(extensions).toEqual({
      apolloEntityCacheTags: [["Product", "Product:2"], ["Product"], ["Product", "Product:1"]],
    });
  });

  it("reports nothing for a query that returns no entity type, nor for mutations", async () => {
    expect(await extensionsOf(`{ count }`)).toEqual({ apolloCacheTags: [] });
    expect(await extensionsOf(`mutation { rename(id: "1") { name } }`)).toBeUndefined();
  });
});
