import { buildSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { fetchTags, invalidationTags, purgeTags, reportedPurges, reportedTags } from "./tags.ts";

const schema = buildSchema(`
  interface Media { id: ID! }
  type Book implements Media { id: ID! title: String author: Author }
  type Movie implements Media { id: ID! }
  type Author { name: String }
  type BookEdge { cursor: String node: Book }
  type BookConnection { totalCount: Int edges: [BookEdge] pageInfo: PageInfo }
  type PageInfo { endCursor: String }
  type Query { media: [Media] book: Book books: BookConnection }
`);

describe("cache tags, router side", () => {
  it("purges each tag named, and the 'any entity of its type' tag of each type it touches", () => {
    expect(new Set(purgeTags(["Product:42", "Product", "Post:1", "subgraph:posts"]))).toEqual(
      new Set(["Product:42", "Product", "Product:*", "Post:1", "Post:*", "subgraph:posts"]),
    );
  });

  it("purges an interface's entity as each of its object types (an @interfaceObject subgraph names the interface)", () => {
    expect(new Set(purgeTags(["Media:7"], schema))).toEqual(
      new Set(["Media:7", "Media:*", "Book:7", "Book:*", "Movie:7", "Movie:*"]),
    );
    expect(new Set(purgeTags(["Media"], schema))).toEqual(
      new Set(["Media", "Media:*", "Book", "Book:*", "Movie", "Movie:*"]),
    );
  });

  it("reads what a subgraph reported, in Apollo Router's convention; null when it reported nothing", () => {
    expect(reportedTags({ apolloCacheTags: ["Product", "Product:1", 3] })).toEqual(["Product", "Product:1"]);
    expect(reportedTags({ apolloEntityCacheTags: [["Product:1"], ["Product:2", "Post"], "junk"] })).toEqual([
      "Product:1",
      "Product:2",
      "Post",
    ]);
    expect(reportedTags({ apolloCacheTags: [] })).toEqual([]);
    expect(reportedTags({ other: 1 })).toBeNull();
    expect(reportedTags(undefined)).toBeNull();
  });

  it("reads purges in our format and in Apollo Router's invalidation requests", () => {
    expect(
      reportedPurges({
        invalidate: ["Product:1"],
        invalidation: [
          { kind: "type", subgraph: "products", type: "Product" },
          { kind: "cache_tag", subgraphs: ["posts"], cache_tag: "Post:9" },
          { kind: "subgraph", subgraph: "users" },
          { kind: "entity" },
        ],
      }),
    ).toEqual(["Product:1", "Product", "Post:9", "subgraph:users"]);
    expect(invalidationTags("Product")).toEqual([]);
  });

  it("tags a fetch from a subgraph that reports nothing with every object type it selects, abstract ones by their implementations", () => {
    expect(new Set(fetchTags(schema, "{ media { id } }"))).toEqual(new Set(["Media:*", "Book:*", "Movie:*"]));
    expect(new Set(fetchTags(schema, "{ book { title author { name } } }"))).toEqual(new Set(["Book:*", "Author:*"]));
    // An entities fetch: `_entities` is not in the API schema; its fragments name the types.
    expect(
      fetchTags(schema, "query($r: [_Any!]!) { _entities(representations: $r) { ... on Book { title } } }"),
    ).toEqual(["Book:*"]);
  });

  it("tags a connection read for its count alone with the types it is made of, up to its entities", () => {
    expect(new Set(fetchTags(schema, "{ books { totalCount } }"))).toEqual(
      new Set(["BookConnection:*", "BookEdge:*", "Book:*", "PageInfo:*"]),
    );
  });
});
