import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { type InvalidationContext, invalidate, useCacheTags, useInvalidationReport } from "@supergraph/kit/subgraph";
import { parse } from "graphql";

/**
 * Four small subgraphs in the harder shapes of federation, for testing that the router answers them
 * alike with its response cache on and off (and that the cache purges what their mutations change):
 *   - `catalog`: an interface (`Node`) whose implementations are entities of different subgraphs, and a
 *     `Book` keyed by `upc` whose `id: ID!` is null for one book (an error only if selected);
 *   - `films`: the rest of `Movie`;
 *   - `media`: an entity interface (`Media`) with `Song`;
 *   - `reviews`: `Media` as an `@interfaceObject`.
 * Plain Apollo Server subgraphs, as a team not using our kit would write them. With `reportTags` they
 * report cache tags (kit's useCacheTags, Apollo Router's convention); without, they report nothing and
 * the router must still never serve a stale read. Mutations always report what they changed.
 */

const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@interfaceObject", "@shareable"])`;

interface Context extends InvalidationContext {}

interface Book {
  upc: string;
  id: string | null;
  title: string;
  author: { name: string } | null;
}
const books = new Map<string, Book>([
  ["b1", { upc: "b1", id: "1", title: "Dune", author: { name: "Frank Herbert" } }],
  ["b2", { upc: "b2", id: "2", title: "Emma", author: { name: "Jane Austen" } }],
  ["b3", { upc: "b3", id: null, title: "Anonymous", author: null }],
]);
const directors = new Map([
  ["m1", "Agnès Varda"],
  ["m2", "Satyajit Ray"],
]);
const songs = new Map([
  ["s1", { id: "s1", title: "Blue" }],
  ["s2", { id: "s2", title: "Green" }],
]);
const reviews = new Map<string, string[]>([
  ["s1", ["lovely"]],
  ["s2", []],
]);

const definitions = {
  catalog: {
    typeDefs: `${FEDERATION}
      interface Node { id: ID! }
      type Book implements Node @key(fields: "upc") { upc: String! id: ID! title: String! author: Author }
      type Author { name: String! }
      type Movie implements Node @key(fields: "id") { id: ID! }
      "A wrapper that is no entity, read for its count alone: its answer changes with the books."
      type Shelf { count: Int! books: [Book!]! }
      type Query { node(id: ID!): Node nodes: [Node!]! book(upc: String!): Book books: [Book!]! shelf: Shelf! }
      type Mutation { renameBook(upc: String!, title: String!): Book addBook(upc: String!, title: String!): Book }`,
    resolvers: {
      Query: {
        node: (_: unknown, { id }: { id: string }) =>
          directors.has(id)
            ? { __typename: "Movie", id }
            : ([...books.values()].find((book) => book.id === id) ?? null),
        nodes: () =>
          [{ __typename: "Movie", id: "m1" }, ...books.values(), { __typename: "Movie", id: "m2" }].filter(
            (node) => node.id !== null,
          ),
        book: (_: unknown, { upc }: { upc: string }) => books.get(upc) ?? null,
        books: () => [...books.values()],
        shelf: () => ({ count: books.size, books: [...books.values()] }),
      },
      Mutation: {
        addBook: (_: unknown, { upc, title }: { upc: string; title: string }, context: Context) => {
          const book = { upc, id: upc, title, author: null };
          books.set(upc, book);
          invalidate(context, "Book");
          return book;
        },
        renameBook: (_: unknown, { upc, title }: { upc: string; title: string }, context: Context) => {
          const book = books.get(upc);
          if (!book) return null;
          book.title = title;
          invalidate(context, `Book:${upc}`);
          return book;
        },
      },
      Node: {
        __resolveType: (node: { __typename?: string; upc?: string }) =>
          node.__typename ?? (node.upc ? "Book" : "Movie"),
      },
      Book: {
        __resolveReference: (reference: { upc: string }) => books.get(reference.upc) ?? null,
        // Null for one book: a non-null violation only when a client selects it.
        id: (book: { id: string | null }) => book.id,
      },
    },
  },
  films: {
    typeDefs: `${FEDERATION}
      type Movie @key(fields: "id") { id: ID! director: String! }
      type Mutation { setDirector(id: ID!, director: String!): Movie }`,
    resolvers: {
      Movie: {
        __resolveReference: (reference: { id: string }) => (directors.has(reference.id) ? reference : null),
        director: (movie: { id: string }) => directors.get(movie.id),
      },
      Mutation: {
        setDirector: (_: unknown, { id, director }: { id: string; director: string }, context: Context) => {
          directors.set(id, director);
          invalidate(context, `Movie:${id}`);
          return { id };
        },
      },
    },
  },
  media: {
    typeDefs: `${FEDERATION}
      interface Media @key(fields: "id") { id: ID! title: String! }
      type Song implements Media @key(fields: "id") { id: ID! title: String! }
      type Query { song(id: ID!): Song }`,
    resolvers: {
      Query: { song: (_: unknown, { id }: { id: string }) => songs.get(id) ?? null },
      Media: {
        __resolveReference: (reference: { id: string }) => {
          const song = songs.get(reference.id);
          return song ? { __typename: "Song", ...song } : null;
        },
        __resolveType: () => "Song",
      },
      Song: { __resolveReference: (reference: { id: string }) => songs.get(reference.id) ?? null },
    },
  },
  reviews: {
    typeDefs: `${FEDERATION}
      type Media @key(fields: "id") @interfaceObject { id: ID! reviews: [String!]! }
      type Query { topMedia: [Media!]! }
      type Mutation { addReview(id: ID!, text: String!): Media }`,
    resolvers: {
      Query: { topMedia: () => [...songs.keys()].map((id) => ({ id })) },
      Media: {
        __resolveReference: (reference: { id: string }) => reference,
        reviews: (media: { id: string }) => reviews.get(media.id) ?? [],
      },
      Mutation: {
        addReview: (_: unknown, { id, text }: { id: string; text: string }, context: Context) => {
          reviews.set(id, [...(reviews.get(id) ?? []), text]);
          invalidate(context, `Media:${id}`);
          return { id };
        },
      },
    },
  },
} as const;

export interface ShapesSupergraph {
  /** The supergraph file, and one without the `films` subgraph (Movie.director gone). */
  supergraphPath: string;
  reducedSupergraphPath: string;
  close(): Promise<void>;
}

function compose(services: Array<{ name: string; url: string; typeDefs: string }>): string {
  const result = composeServices(services.map((service) => ({ ...service, typeDefs: parse(service.typeDefs) })));
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join("; "));
  return result.supergraphSdl;
}

/** Starts the four subgraphs (each on a free port) and writes the supergraphs that route to them. */
export async function startShapes(options: { reportTags: boolean }): Promise<ShapesSupergraph> {
  const servers: ApolloServer<Context>[] = [];
  const services: Array<{ name: string; url: string; typeDefs: string }> = [];
  for (const [name, definition] of Object.entries(definitions)) {
    const plugins: ApolloServerPlugin<Context>[] = [
      ApolloServerPluginCacheControl({ defaultMaxAge: 60 }),
      useInvalidationReport<Context>(),
    ];
    if (options.reportTags) plugins.push(useCacheTags<Context>());
    const server = new ApolloServer<Context>({
      schema: buildSubgraphSchema({ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers as never }),
      plugins,
    });
    const { url } = await startStandaloneServer(server, {
      listen: { port: 0, host: "127.0.0.1" },
      context: async () => ({ invalidations: new Set<string>() }),
    });
    servers.push(server);
    services.push({ name, url, typeDefs: definition.typeDefs });
  }
  const dir = mkdtempSync(join(tmpdir(), "shapes-"));
  const supergraphPath = join(dir, "supergraph.graphql");
  const reducedSupergraphPath = join(dir, "reduced.graphql");
  writeFileSync(supergraphPath, compose(services));
  writeFileSync(reducedSupergraphPath, compose(services.filter((service) => service.name !== "films")));
  return {
    supergraphPath,
    reducedSupergraphPath,
    close: async () => {
      for (const server of servers) await server.stop();
    },
  };
}
