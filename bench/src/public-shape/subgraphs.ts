import { buildSubgraphSchema } from "@apollo/subgraph";
import { type DocumentNode, type GraphQLSchema, parse } from "graphql";
import { IN_STOCK, PRODUCTS, REVIEWS, USERS } from "./data.ts";

// The four subgraphs of the public benchmark, in Node with @apollo/subgraph: same schema shape, data and
// resolver behaviour (e.g. every review's author is user 1 with the first two reviews).
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

const reviewsOf = (upc: string) => REVIEWS.filter((review) => review.upc === upc);
const firstTwo = () => REVIEWS.slice(0, 2);

export const BENCH_SUBGRAPHS: Record<string, { typeDefs: DocumentNode; resolvers: Record<string, unknown> }> = {
  accounts: {
    typeDefs: parse(`${LINK}
      type Query { me: User  user(id: ID!): User  users: [User] }
      type User @key(fields: "id") { id: ID!  name: String  username: String @shareable  birthday: Int }`),
    resolvers: {
      Query: {
        me: () => USERS[0],
        user: (_: unknown, { id }: { id: string }) => USERS.find((user) => user.id === id),
        users: () => USERS,
      },
      User: { __resolveReference: ({ id }: { id: string }) => USERS.find((user) => user.id === id) },
    },
  },
  products: {
    typeDefs: parse(`${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`),
    resolvers: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => PRODUCTS.slice(0, first) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => PRODUCTS.find((product) => product.upc === upc) },
    },
  },
  inventory: {
    typeDefs: parse(`${LINK}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock: Boolean
        shippingEstimate: Int @requires(fields: "price weight")
      }`),
    resolvers: {
      Product: {
        __resolveReference: (reference: { upc: string; price?: number; weight?: number }) => ({
          ...reference,
          inStock: IN_STOCK[reference.upc],
        }),
        shippingEstimate: ({ price, weight }: { price?: number; weight?: number }) =>
          price === undefined ? null : price > 1000 ? 0 : weight === undefined ? null : Math.floor(weight / 2),
      },
    },
  },
  reviews: {
    typeDefs: parse(`${LINK}
      type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
      type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
      type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`),
    resolvers: {
      Review: {
        __resolveReference: ({ id }: { id: string }) => REVIEWS.find((review) => review.id === id),
        product: (review: { upc: string }) => ({ upc: review.upc }),
        author: () => ({ id: "1", username: "urigo" }),
      },
      User: { __resolveReference: ({ id }: { id: string }) => ({ id }), reviews: firstTwo },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        reviews: ({ upc }: { upc: string }) => reviewsOf(upc),
      },
    },
  },
};

export function benchSchema(name: string): GraphQLSchema {
  const subgraph = BENCH_SUBGRAPHS[name];
  if (!subgraph) throw new Error(`no bench subgraph ${name}`);
  return buildSubgraphSchema({ typeDefs: subgraph.typeDefs, resolvers: subgraph.resolvers as never });
}
