import { buildSchema, type GraphQLNamedType } from "graphql";
import { describe, expect, it } from "vitest";
import { typesWithin } from "./types-within.ts";

const schema = buildSchema(`
  type Product { id: ID! name: String reviews: [Review] }
  type Review { stars: Int }
  type ProductEdge { cursor: String node: Product }
  type ProductConnection { totalCount: Int edges: [ProductEdge] pageInfo: PageInfo }
  type PageInfo { endCursor: String }
  "Non-entity types that reach each other: each reaches everything the other does."
  type Category { parent: Shelf products: [Product] }
  type Shelf { category: Category }
  union Result = Product | ProductConnection
  type Query { products: ProductConnection category: Category shelf: Shelf result: Result }
`);
const entity = (object: { name: string }) => object.name === "Product";
const names = (type: string) =>
  [...typesWithin(schema, schema.getType(type) as GraphQLNamedType, entity)].map((object) => object.name).sort();

describe("the types a value is made of", () => {
  it("follows fields up to the entities, including them, and no further", () => {
    expect(names("ProductConnection")).toEqual(["PageInfo", "Product", "ProductConnection", "ProductEdge"]);
    expect(names("Product")).toEqual(["Product"]);
  });

  it("is whole for each type of a cycle, whichever is asked first", () => {
    expect(names("Category")).toEqual(["Category", "Product", "Shelf"]);
    expect(names("Shelf")).toEqual(["Category", "Product", "Shelf"]);
  });

  it("takes each object type of an abstract one", () => {
    expect(names("Result")).toEqual(["PageInfo", "Product", "ProductConnection", "ProductEdge"]);
  });
});
