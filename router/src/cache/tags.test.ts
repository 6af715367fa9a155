import { buildSchema, parse, print } from "graphql";
import { describe, expect, it } from "vitest";
import { stripCacheFields } from "./plugin.ts";
import { augmentOperation, entityTags } from "./tags.ts";

const schema = buildSchema(`
  type Query { product(id: ID!): Product  products: [Product!]!  stats: Stats }
  type Product { id: ID!  name: String!  reviews: [Review!]! }
  type Review { id: ID!  body: String! }
  type Stats { count: Int! }
`);

describe("cache tagging", () => {
  it("adds typename and id under reserved aliases, and names the entity types selected", () => {
    const { document, typeTags } = augmentOperation(schema, parse(`{ products { name reviews { body } } stats { count } }`));
    expect(print(document)).toContain("__cacheId: id");
    expect(print(document)).toMatch(/stats \{\s+count\s+__cacheTypename: __typename\s+\}/);
    expect(typeTags.sort()).toEqual(["Product", "Review"]);
  });

  it("finds every entity in the data, however deep", () => {
    const data = {
      products: [
        { __cacheTypename: "Product", __cacheId: "1", reviews: [{ __cacheTypename: "Review", __cacheId: "r1" }] },
        { __cacheTypename: "Product", __cacheId: "2", reviews: [] },
      ],
      stats: { __cacheTypename: "Stats", count: 2 },
    };
    expect([...entityTags(data)].sort()).toEqual(["Product:1", "Product:2", "Review:r1"]);
  });

  it("never sends the added fields to clients", () => {
    const sent = stripCacheFields({ data: { product: { __cacheTypename: "Product", __cacheId: "1", id: "1", name: "Lamp" } } });
    expect(JSON.parse(sent)).toEqual({ data: { product: { id: "1", name: "Lamp" } } });
  });
});
