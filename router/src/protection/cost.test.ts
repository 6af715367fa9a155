import { readFileSync } from "node:fs";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { createLogger } from "@supergraph/kit/runtime";
import {
  buildSchema,
  type GraphQLObjectType,
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isObjectType,
  Kind,
  parse,
} from "graphql";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { type CostDirectives, costDirectives, createCostLimit, operationCost } from "./cost.ts";

const schema = buildSchema(`
  type Query {
    items(first: Int, search: String): ItemConnection!
    item(id: ID!): Item
    tags: [String!]!
    everything: [Item!]!
  }
  type Mutation { touch(id: ID!): Item }
  type ItemConnection { edges: [ItemEdge!]! totalCount: Int! }
  type ItemEdge { node: Item! }
  type Item { id: ID! name: String related(first: Int = 5): [Item!] parts: [Part!] heavy: Int }
  type Part { id: ID! }
`);
const directives: CostDirectives = {
  listSizes: new Map([
    ["Query.items", { assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"] }],
    ["Item.related", { slicingArguments: ["first"], sizedFields: [] }],
    ["Item.parts", { assumedSize: 3, slicingArguments: [], sizedFields: [] }],
  ]),
  weights: new Map([
    ["Item.heavy", 7],
    ["Part", 2],
  ]),
};
const cost = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error("no operation");
  return operationCost(schema, directives, document, operation, variables, 10);
};

describe("operationCost", () => {
  it("costs each object 1 and each scalar 0, and a list without @listSize at the default size", () => {
    expect(cost(`{ item(id: "1") { id name } }`)).toBe(1);
    expect(cost(`{ tags }`)).toBe(0);
    expect(cost(`{ everything { id } }`)).toBe(10);
    expect(cost(`{ __typename item(id: "1") { __typename } }`)).toBe(1);
  });

  it("sizes a connection's edges by its slicing argument, else by its assumed size", () => {
    // items (1) + edges: first × (edge 1 + node 1)
    expect(cost(`{ items(first: 3) { edges { node { id } } totalCount } }`)).toBe(1 + 3 * 2);
    expect(cost(`{ items { edges { node { id } } } }`)).toBe(1 + 20 * 2);
  });

  it("reads a slicing argument from the variables, their defaults and the argument's own default", () => {
    const query = `query Page($n: Int) { items(first: $n) { edges { node { id } } } }`;
    expect(cost(query, { n: 50 })).toBe(1 + 50 * 2);
    expect(cost(`query Page($n: Int = 4) { items(first: $n) { edges { node { id } } } }`, {})).toBe(1 + 4 * 2);
    expect(cost(`{ item(id: "1") { related { id } } }`)).toBe(1 + 5);
    expect(cost(`{ item(id: "1") { related(first: 0) { id } } }`)).toBe(1);
  });

  it("multiplies nested lists", () => {
    // items 1 + 2 × (edge 1 + node 1 + related 5 × (1 + parts 3 × part weight 2))
    expect(cost(`{ items(first: 2) { edges { node { related { parts { id } } } } } }`)).toBe(1 + 2 * (2 + 5 * 7));
  });

  it("takes @cost on a field or on its type", () => {
    expect(cost(`{ item(id: "1") { heavy } }`)).toBe(1 + 7);
    expect(cost(`{ item(id: "1") { parts { id } } }`)).toBe(1 + 3 * 2);
  });

  it("adds 10 for a mutation", () => {
    expect(cost(`mutation { touch(id: "1") { id } }`)).toBe(11);
  });

  it("counts fragments, and leaves out what @skip and @include leave out", () => {
    const query = `query Q($skip: Boolean!) {
      item(id: "1") { ...Related ... on Item { parts @skip(if: $skip) { id } } }
    } fragment Related on Item { related { id } }`;
    expect(cost(query, { skip: false })).toBe(1 + 5 + 6);
    expect(cost(query, { skip: true })).toBe(1 + 5);
    expect(cost(`{ item(id: "1") { related @include(if: false) { id } } }`)).toBe(1);
  });

  it("walks each fragment once per size, however often it is spread", () => {
    const levels = 12;
    const spreads = (next: string) => Array.from({ length: 10 }, () => `...${next}`).join(" ");
    const fragments = Array.from({ length: levels }, (_, level) =>
      level === levels - 1
        ? `fragment F${level} on Item { related { id } }`
        : `fragment F${level} on Item { id ${spreads(`F${level + 1}`)} }`,
    ).join("\n");
    // 10^11 spreads of the last fragment, each a list of 5 items: counted, and walked once each (10^12
    // visits would never finish).
    expect(cost(`{ item(id: "1") { ...F0 } } ${fragments}`)).toBe(1 + 5 * 10 ** 11);
  });

  it("gives the error of a variable that is null where a directive or an argument needs a value", () => {
    expect(cost(`query Q($b: Boolean = true) { item(id: "1") @include(if: $b) { id } }`, { b: null })).toMatchObject([
      { message: 'Argument "if" of non-null type "Boolean!" must not be null.' },
    ]);
    expect(cost(`query Q($id: ID = "1") { item(id: $id) { id } }`, { id: null })).toMatchObject([
      { message: expect.stringContaining('"id" of non-null type "ID!" must not be null') },
    ]);
  });

  it("slices a list or a connection without @listSize by its `first` or `last`, as Relay pages are", () => {
    const paged = buildSchema(`
      type Query { feed(first: Int, last: Int): FeedConnection! tags(first: Int): [Tag!]! }
      type FeedConnection { edges: [FeedEdge!]! nodes: [Tag!]! }
      type FeedEdge { node: Tag! }
      type Tag { id: ID! }
    `);
    const none: CostDirectives = { listSizes: new Map(), weights: new Map() };
    const costIn = (query: string) => {
      const document = parse(query);
      return operationCost(paged, none, document, getOperationAST(document) ?? never(), {}, 10);
    };
    expect(costIn(`{ feed(first: 100) { edges { node { id } } } }`)).toBe(1 + 100 * 2);
    expect(costIn(`{ feed(first: 2, last: 30) { nodes { id } } }`)).toBe(1 + 30);
    expect(costIn(`{ tags(first: 50) { id } }`)).toBe(50);
    expect(costIn(`{ feed { edges { node { id } } } }`)).toBe(1 + 10 * 2);
  });

  it("gives the variables' coercion errors instead of a cost", () => {
    const result = cost(`query Page($n: Int) { items(first: $n) { totalCount } }`, { n: "many" });
    expect(result).toMatchObject([{ message: expect.stringContaining('Variable "$n" got invalid value "many"') }]);
  });
});

describe("costDirectives", () => {
  it("reads the subgraphs' @listSize and @cost from the composed supergraph", () => {
    const typeDefs = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize", "@cost"])
      type Query {
        posts(first: Int): PostConnection! @listSize(assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
      }
      type PostConnection { edges: [Post!]! }
      type Post @key(fields: "id") @cost(weight: 3) { id: ID! tags: [String!] @listSize(assumedSize: 4) }
    `);
    const composed = composeServices([{ name: "posts", url: "http://posts", typeDefs }]);
    if (!composed.supergraphSdl) throw new Error(composed.errors?.map((error) => error.message).join("\n"));
    const read = costDirectives(composed.supergraphSdl);
    expect(Object.fromEntries(read.listSizes)).toEqual({
      "Query.posts": { assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"] },
      "Post.tags": { assumedSize: 4, slicingArguments: [], sizedFields: [] },
    });
    expect(Object.fromEntries(read.weights)).toEqual({ Post: 3 });
  });
});

describe("the default limit", () => {
  it("runs every operation the SDK ships at its largest page, and refuses a walk that multiplies pages", () => {
    const root = join(import.meta.dirname, "../../..");
    const limits = loadConfig({}).limits;
    const apiSchema = buildSchema(readFileSync(join(root, "router/api-schema.graphql"), "utf8"));
    const supergraph = costDirectives(readFileSync(join(root, "router/supergraph.graphql"), "utf8"));
    const costOf = (body: string, variables: Record<string, unknown>) => {
      const document = parse(body);
      const operation = getOperationAST(document) ?? never();
      return operationCost(apiSchema, supergraph, document, operation, variables, limits.listSize);
    };
    const manifest = JSON.parse(readFileSync(join(root, "sdk/persisted-operations.json"), "utf8")) as {
      operations: Array<{ name: string; type: string; body: string }>;
    };
    const costs = Object.fromEntries(
      manifest.operations
        .filter((operation) => operation.type !== "mutation") // their inputs are objects; their answers small
        .map((operation) => {
          // Every page at 100, the most `first` may ask for; other required variables a value of their type.
          const definition = getOperationAST(parse(operation.body)) ?? never();
          const variables: Record<string, unknown> = {};
          for (const { variable, type } of definition.variableDefinitions ?? []) {
            const named = type.kind === Kind.NON_NULL_TYPE ? type.type : type;
            if (variable.name.value === "first") variables.first = 100;
            else if (type.kind === Kind.NON_NULL_TYPE && named.kind === Kind.NAMED_TYPE)
              variables[variable.name.value] = "1";
          }
          return [operation.name, costOf(operation.body, variables)];
        }),
    );
    expect(Object.keys(costs).length).toBeGreaterThan(10);
    for (const [name, cost] of Object.entries(costs)) expect(cost, name).toBeLessThanOrEqual(limits.cost);
    // A product's posts, their products and theirs again, at the default pages: 20 × 20 × 20 posts.
    const walk = `{ products { edges { node { posts { products { posts { title } } } } } } }`;
    expect(costOf(walk, {})).toBeGreaterThan(limits.cost);
  });
});

describe("the supergraph's lists", () => {
  it("are each bounded by @listSize, on the field or as a connection's sized field", () => {
    const root = join(import.meta.dirname, "../../..");
    const apiSchema = buildSchema(readFileSync(join(root, "router/api-schema.graphql"), "utf8"));
    const { listSizes } = costDirectives(readFileSync(join(root, "router/supergraph.graphql"), "utf8"));
    const sized = new Set<string>();
    for (const [coordinate, listSize] of listSizes) {
      const [typeName, fieldName] = coordinate.split(".");
      const field = (apiSchema.getType(typeName ?? "") as GraphQLObjectType | undefined)?.getFields()[fieldName ?? ""];
      const type = field && getNamedType(field.type).name;
      for (const name of listSize.sizedFields) sized.add(`${type}.${name}`);
    }
    const unbounded = Object.values(apiSchema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith("__"))
      .flatMap((type) => Object.values((type as GraphQLObjectType).getFields()).map((field) => ({ type, field })))
      .filter(({ field }) => isListType(getNullableType(field.type)))
      .map(({ type, field }) => `${type.name}.${field.name}`)
      .filter((coordinate) => !listSizes.has(coordinate) && !sized.has(coordinate));
    expect(unbounded).toEqual([]);
  });
});

describe("createCostLimit", () => {
  it("refuses an operation over the limit with its code, and lets one within it run", () => {
    // No supergraph loaded: every list at the default size.
    const limit = createCostLimit({ limit: 30, defaultListSize: 10, logger: createLogger("test", "silent") });
    const check = (query: string) => {
      const document = parse(query);
      return limit.check(schema, document, getOperationAST(document) ?? never(), {});
    };
    expect(check(`{ everything { id } }`)).toBeNull();
    const error = check(`{ everything { parts { id } } }`);
    expect(error?.message).toBe("Cost limit of 30 exceeded, found 110.");
    expect(error?.extensions.code).toBe("COST_LIMIT_EXCEEDED");
    // Variables it cannot coerce are refused as execution refuses them.
    const document = parse(`query Page($n: Int) { everything { related(first: $n) { id } } }`);
    const invalid = limit.check(schema, document, getOperationAST(document) ?? never(), { n: "many" });
    expect(invalid?.extensions.code).toBe("BAD_USER_INPUT");
    expect(invalid?.message).toMatch(/Variable "\$n" got invalid value "many"/);
  });

  it("costs an operation with the directives of the schema it was validated against", () => {
    const limit = createCostLimit({ limit: 5, defaultListSize: 10, logger: createLogger("test", "silent") });
    const older = buildSchema("type Query { a: [A!] } type A { id: ID! }");
    const newer = buildSchema("type Query { a: [A!] } type A { id: ID! }");
    const supergraphWith = (size: number) => {
      const typeDefs = parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize"])
        type Query { a: [A!] @listSize(assumedSize: ${size}) }
        type A @key(fields: "id") { id: ID! }
      `);
      return composeServices([{ name: "a", url: "http://a", typeDefs }]).supergraphSdl ?? never();
    };
    limit.update(older, supergraphWith(3));
    limit.update(newer, supergraphWith(7));
    const document = parse("{ a { id } }");
    const operation = getOperationAST(document) ?? never();
    // Validated before the reload: still costed 3 items; after it, 7.
    expect(limit.check(older, document, operation, {})).toBeNull();
    expect(limit.check(newer, document, operation, {})?.message).toBe("Cost limit of 5 exceeded, found 7.");
    expect(limit.describe(older)).not.toEqual(limit.describe(newer));
  });
});

function never(): never {
  throw new Error("unreachable");
}
