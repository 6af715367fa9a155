// The files of a new subgraph, in the shape every subgraph has (schema.graphql, codegen.ts, config,
// context, index, main, resolvers/ typed by the generated resolver types, loaders/, data/, tests) and its
// Prisma schema: one federated entity, one query by id and one connection. Modelled on the products
// subgraph; rename the entity and grow it from there.

export interface Names {
  /** The subgraph: `reviews` */
  name: string;
  /** Its settings' prefix: `REVIEWS` */
  NAME: string;
  /** The entity type: `Review` */
  Type: string;
  /** The single-entity query field and Prisma accessor: `review` */
  one: string;
  /** The list query field and table: `reviews` */
  many: string;
  /** Exported identifiers: `Reviews` (ReviewsConfig, startReviewsSubgraph) */
  Name: string;
}

export function namesOf(name: string): Names {
  const capital = (word: string) => word[0]?.toUpperCase() + word.slice(1);
  const one = name.endsWith("s") ? name.slice(0, -1) : name;
  return { name, NAME: name.toUpperCase(), Type: capital(one), one, many: `${one}s`, Name: capital(name) };
}

const packageJson = ({ name }: Names) => `{
  "name": "@supergraph/${name}",
  "version": "0.0.0",
  "private": true,
  "type": "module",
  "exports": {
    ".": "./src/index.ts"
  },
  "scripts": {
    "start": "tsx src/main.ts",
    "build": "tsx ../../scripts/bundle.ts",
    "lint": "biome lint src",
    "codegen": "graphql-codegen --config codegen.ts"
  },
  "dependencies": {
    "@apollo/subgraph": "catalog:",
    "@prisma/client": "catalog:",
    "@supergraph/db": "workspace:*",
    "@supergraph/kit": "workspace:*",
    "@supergraph/registry": "workspace:*",
    "dataloader": "catalog:",
    "graphql": "catalog:",
    "zod": "catalog:"
  },
  "devDependencies": {
    "@graphql-codegen/cli": "catalog:",
    "@graphql-codegen/typescript": "catalog:",
    "@graphql-codegen/typescript-resolvers": "catalog:",
    "@types/node": "catalog:"
  }
}
`;

const tsconfig = () => `{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "*.ts"]
}
`;

const schemaGraphql = ({ name, Type, one, many }: Names) => `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@inaccessible", "@listSize"])

# Cache hints (@apollo/server's cache-control): this subgraph's responses carry a Cache-Control header
# computed from them, which the router's response cache follows. Unhinted object fields are uncacheable.
enum CacheControlScope @inaccessible {
  PUBLIC
  PRIVATE
}

directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

"Owned by the ${name} subgraph; other subgraphs refer to it by id."
type ${Type} @key(fields: "id") @cacheControl(maxAge: 60) {
  id: ID!
  name: String!
  createdAt: String!
}

type ${Type}Edge @cacheControl(maxAge: 60) {
  cursor: String!
  node: ${Type}!
}

type PageInfo @shareable @cacheControl(maxAge: 60) {
  hasNextPage: Boolean!
  endCursor: String
}

type ${Type}Connection @cacheControl(maxAge: 60) {
  edges: [${Type}Edge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type Query {
  ${one}(id: ID!): ${Type} @cacheControl(maxAge: 60)
  "Newest first. \`first\` is 1–100 (default 20)."
  # @listSize is what the router's cost limit reads to bound a list: give every list field one.
  ${many}(first: Int, after: String): ${Type}Connection!
    @listSize(assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
    @cacheControl(maxAge: 60)
}
`;

const codegenTs = ({ name, Type }: Names) => `import { resolverCodegen } from "@supergraph/kit/codegen";

/**
 * \`pnpm --filter @supergraph/${name} codegen\`: resolver types from schema.graphql, each GraphQL type's
 * parent being what the resolvers return for it. Checked in; src/generated.test.ts fails when stale.
 */
export default resolverCodegen({
  ${Type}: "./prisma/client.ts#${Type}",
});
`;

const generatedTestTs = ({ name }: Names) => `import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generatedFiles } from "@supergraph/kit/codegen";
import { describe, expect, it } from "vitest";
import config from "../codegen.ts";

describe("the generated resolver types", () => {
  it("are up to date with schema.graphql (run \`pnpm --filter @supergraph/${name} codegen\` if this fails)", async () => {
    for (const file of await generatedFiles(join(import.meta.dirname, ".."), config)) {
      expect(readFileSync(file.path, "utf8"), file.filename).toBe(file.content);
    }
  });
});
`;

const prismaSchema = ({
  name,
  Type,
  many,
}: Names) => `// The ${name} subgraph's own database. No other subgraph reads or writes it.
generator client {
  provider     = "prisma-client"
  output       = "../../subgraphs/${name}/src/generated/prisma"
  moduleFormat = "esm"
}

datasource db {
  provider = "postgresql"
}

model ${Type} {
  id        String   @id @default(uuid()) @db.Uuid
  name      String
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)

  @@index([createdAt, id])
  @@map("${many}")
}
`;

const configTs = ({
  name,
  Name,
}: Names) => `import { loadSubgraphConfig, type SubgraphConfig } from "@supergraph/kit/subgraph";
import { defaultPort } from "@supergraph/registry";

export type ${Name}Config = SubgraphConfig;

export function loadConfig(source: NodeJS.ProcessEnv = process.env): ${Name}Config {
  return loadSubgraphConfig("${name}", defaultPort("${name}"), source);
}
`;

const configTestTs = ({ name, NAME }: Names) => `import { defaultPort } from "@supergraph/registry";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("the ${name} subgraph's settings", () => {
  it("listens on its registry port unless ${NAME}_PORT says otherwise", () => {
    expect(loadConfig({}).port).toBe(defaultPort("${name}"));
    expect(loadConfig({ ${NAME}_PORT: "5123" }).port).toBe(5123);
  });

  it("refuses a database URL that is not Postgres, naming the setting", () => {
    expect(() => loadConfig({ ${NAME}_DATABASE_URL: "mysql://localhost/${name}" })).toThrow(/${NAME}_DATABASE_URL/);
  });
});
`;

const contextTs = ({ Name }: Names) => `import type { Viewer } from "@supergraph/kit/runtime";
import type { InternalIdentity, InvalidationContext } from "@supergraph/kit/subgraph";
import type { ${Name}Config } from "./config.ts";
import type { Db } from "./data/db.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

/** What a request's context is made from: made once per process (see index.ts). */
export interface Deps {
  db: Db;
  config: ${Name}Config;
}

export interface Context extends Deps, InvalidationContext {
  /** The signed-in user the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  loaders: Loaders;
}

export function createContext(deps: Deps, identity: InternalIdentity): Context {
  return { ...deps, viewer: identity.viewer, loaders: createLoaders(deps.db), invalidations: new Set() };
}
`;

const indexTs = ({ name, Name }: Names) => `import { subgraphDatabase } from "@supergraph/db";
import type { Logger } from "@supergraph/kit/runtime";
import { loadSchemaFile, type RunningSubgraph, type SubgraphSpec, startSubgraph } from "@supergraph/kit/subgraph";
import type { ${Name}Config } from "./config.ts";
import { type Context, createContext } from "./context.ts";
import { createDb, type Db, prismaProject } from "./data/db.ts";
import { seed } from "./data/seed.ts";
import { resolvers } from "./resolvers/index.ts";

export { loadConfig, type ${Name}Config } from "./config.ts";
export type { Db } from "./data/db.ts";

export const typeDefs = loadSchemaFile(import.meta.url);

/** Everything needed to run the ${name} subgraph with this config (see kit's startSubgraph). */
export function ${name}Subgraph(config: ${Name}Config, logger?: Logger): SubgraphSpec<Db, Context> {
  return {
    name: "${name}",
    config,
    typeDefs,
    resolvers,
    logger,
    openDatabase: subgraphDatabase("${name}", config, prismaProject),
    createDb,
    seed,
    context: (db, identity) => createContext({ db, config }, identity),
  };
}

export function start${Name}Subgraph(config: ${Name}Config, logger?: Logger): Promise<RunningSubgraph<Db>> {
  return startSubgraph(${name}Subgraph(config, logger));
}
`;

const mainTs = ({ name }: Names) => `import { runSubgraphCli } from "@supergraph/kit/subgraph";
import { loadConfig, ${name}Subgraph } from "./index.ts";

await runSubgraphCli(() => ${name}Subgraph(loadConfig()));
`;

const dbTs = ({ name }: Names) => `import { createPrismaClient, findPrismaProject } from "@supergraph/db";
import type { Metrics } from "@supergraph/kit/runtime";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export const prismaProject = () => findPrismaProject("${name}", import.meta.url);

export function createDb(connection: { connectionString: string; poolSize: number }, metrics?: Metrics): Db {
  return createPrismaClient(PrismaClient, connection, metrics && ((statement, seconds) => metrics.dbQueries.observe({ statement }, seconds)));
}
`;

const seedTs = ({ one, Type }: Names) => `import type { Db } from "./db.ts";

/** Demo data, for development only, with fixed ids. Idempotent: existing rows are left as they are. */
export async function seed(db: Db): Promise<void> {
  await db.${one}.createMany({
    data: ["First", "Second", "Third"].map((name, index) => ({
      id: \`00000000-0000-4000-a000-\${String(index + 1).padStart(12, "0")}\`,
      name: \`\${name} ${Type.toLowerCase()}\`,
    })),
    skipDuplicates: true,
  });
}
`;

const loadersTs = ({ one }: Names) => `import { createByIdLoader } from "@supergraph/kit/subgraph";
import type { Db } from "../data/db.ts";

/** Fresh loaders per request: batching within the request, no cache shared across users. */
export function createLoaders(db: Db) {
  return {
    ${one}ById: createByIdLoader((ids) => db.${one}.findMany({ where: { id: { in: ids } } })),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
`;

const resolversIndexTs = ({ Type }: Names) => `import type { Resolvers } from "../generated/resolvers.ts";
import { ${Type}Resolvers } from "./${Type.toLowerCase()}.ts";
import { Query } from "./query.ts";

export const resolvers: Resolvers = { Query, ${Type}: ${Type}Resolvers };
`;

const queryTs = ({
  one,
  many,
}: Names) => `import { connectionArgs, keysetConnection, validate } from "@supergraph/kit/subgraph";
import type { QueryResolvers } from "../generated/resolvers.ts";

export const Query = {
  ${one}: (_, { id }, { loaders }) => loaders.${one}ById.load(id),

  async ${many}(_, args, { db }) {
    const page = validate(connectionArgs, args);
    return keysetConnection(page, "desc", {
      rows: ({ where, orderBy, take }) => db.${one}.findMany({ where, orderBy, take }),
      count: () => db.${one}.count(),
    });
  },
} satisfies QueryResolvers;
`;

const entityTs = ({
  Type,
  one,
}: Names) => `import type { ${Type}Resolvers as ${Type}Fields } from "../generated/resolvers.ts";

export const ${Type}Resolvers = {
  __resolveReference: (reference, context) => context.loaders.${one}ById.load(reference.id),
  createdAt: (${one}) => ${one}.createdAt.toISOString(),
} satisfies ${Type}Fields;
`;

/** The SDK's operations for its queries (sdk/src/generated.test.ts wants one for every public root field). */
const sdkOperations = ({ Type, one, many }: Names) => `fragment ${Type}Fields on ${Type} {
  id
  name
  createdAt
}

query ${Type}($id: ID!) {
  ${one}(id: $id) {
    ...${Type}Fields
  }
}

query ${Type}s($first: Int, $after: String) {
  ${many}(first: $first, after: $after) {
    totalCount
    edges {
      cursor
      node {
        ...${Type}Fields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

/** The new files, by path from the repository root. */
export function subgraphFiles(names: Names): Record<string, string> {
  const dir = `subgraphs/${names.name}`;
  return {
    [`${dir}/package.json`]: packageJson(names),
    [`${dir}/tsconfig.json`]: tsconfig(),
    [`${dir}/schema.graphql`]: schemaGraphql(names),
    [`${dir}/codegen.ts`]: codegenTs(names),
    [`${dir}/src/config.ts`]: configTs(names),
    [`${dir}/src/config.test.ts`]: configTestTs(names),
    [`${dir}/src/context.ts`]: contextTs(names),
    [`${dir}/src/generated.test.ts`]: generatedTestTs(names),
    [`${dir}/src/index.ts`]: indexTs(names),
    [`${dir}/src/main.ts`]: mainTs(names),
    [`${dir}/src/data/db.ts`]: dbTs(names),
    [`${dir}/src/data/seed.ts`]: seedTs(names),
    [`${dir}/src/loaders/index.ts`]: loadersTs(names),
    [`${dir}/src/resolvers/index.ts`]: resolversIndexTs(names),
    [`${dir}/src/resolvers/query.ts`]: queryTs(names),
    [`${dir}/src/resolvers/${names.Type.toLowerCase()}.ts`]: entityTs(names),
    [`prisma/${names.name}/schema.prisma`]: prismaSchema(names),
    [`sdk/operations/${names.name}.graphql`]: sdkOperations(names),
  };
}
