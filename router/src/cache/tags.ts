import { typesWithin } from "@supergraph/kit/runtime";
import {
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { LRUCache } from "lru-cache";

// Tags name what a cached response holds, so that a purge reaches exactly the responses it made stale:
//   `Product:42`  an entity of the response;   `Product`  an entity type it read (lists, searches);
//   `Product:*`   any entity of that type (what a subgraph that reports nothing is tagged with);
//   `subgraph:products`  every response that fetched from that subgraph.
// Subgraphs report the first two in their responses (kit's cache-tags.ts, Apollo Router's convention);
// purges name the first two (a mutation's `extensions.invalidate`, the invalidation endpoint).

/**
 * The tags a purge bumps: each tag named, and `Type:*` for each type it touches, which reaches the
 * responses of subgraphs that report nothing (see fetchTags). A name of an interface or union (an
 * `@interfaceObject` subgraph names its entities by the interface) stands for each of its object types
 * too, under the same key.
 */
export function purgeTags(names: Iterable<string>, schema?: GraphQLSchema): string[] {
  const tags = new Set<string>();
  for (const name of names) {
    tags.add(name);
    if (name.startsWith("subgraph:")) continue;
    const colon = name.indexOf(":");
    const typeName = colon < 0 ? name : name.slice(0, colon);
    const rest = colon < 0 ? "" : name.slice(colon);
    const type = schema?.getType(typeName);
    const types = [
      typeName,
      ...(type && isAbstractType(type) ? (schema?.getPossibleTypes(type).map((possible) => possible.name) ?? []) : []),
    ];
    for (const each of types) {
      tags.add(`${each}${rest}`);
      tags.add(`${each}:*`);
    }
  }
  return [...tags];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

/**
 * The tags a subgraph reported for one fetch (`apolloCacheTags`, `apolloEntityCacheTags`); null when it
 * reported none at all.
 */
export function reportedTags(extensions: Record<string, unknown> | undefined): string[] | null {
  const root = extensions?.apolloCacheTags;
  const entities = extensions?.apolloEntityCacheTags;
  if (!Array.isArray(root) && !Array.isArray(entities)) return null;
  return [...strings(root), ...(Array.isArray(entities) ? entities.flatMap(strings) : [])];
}

/** What a subgraph's mutation said it changed: our `invalidate` list, and Apollo Router's `invalidation` requests. */
export function reportedPurges(extensions: Record<string, unknown> | undefined): string[] {
  const purges = strings(extensions?.invalidate);
  const requests = extensions?.invalidation;
  if (Array.isArray(requests)) for (const request of requests) purges.push(...invalidationTags(request));
  return purges;
}

/**
 * The tags of one invalidation request in Apollo Router's format (`{ kind: "subgraph", subgraph }`,
 * `{ kind: "type", type }`, `{ kind: "cache_tag", cache_tag }`); none for anything else.
 */
export function invalidationTags(request: unknown): string[] {
  if (typeof request !== "object" || request === null) return [];
  const { kind, subgraph, type, cache_tag: tag } = request as Record<string, unknown>;
  if (kind === "subgraph" && typeof subgraph === "string" && subgraph !== "") return [`subgraph:${subgraph}`];
  if (kind === "type" && typeof type === "string" && type !== "") return [type];
  if (kind === "cache_tag" && typeof tag === "string" && tag !== "") return [tag];
  return [];
}

/**
 * The tags of a fetch from a subgraph that reports nothing: `Type:*` for every type its operation selects
 * (an abstract type: it and each of its object types), and every type a selected field's value is made
 * of (kit's typesWithin). Any purge of one of them then reaches the response; broader than the entities it
 * returned, never narrower.
 */
export function fetchTags(schema: GraphQLSchema, query: string): string[] {
  let bySchema = fallbackTags.get(schema);
  if (!bySchema) {
    // By bytes, as the router's other caches (#26): subgraph queries are as long as clients make them.
    bySchema = new LRUCache<string, string[]>({
      maxSize: 4 * 2 ** 20,
      sizeCalculation: (tags, query) => query.length + tags.reduce((sum, tag) => sum + tag.length + 16, 64),
    });
    fallbackTags.set(schema, bySchema);
  }
  let tags = bySchema.get(query);
  if (!tags) {
    tags = selectedTypes(schema, parse(query)).map((type) => `${type}:*`);
    bySchema.set(query, tags);
  }
  return tags;
}

const fallbackTags = new WeakMap<GraphQLSchema, LRUCache<string, string[]>>();
const hasId = (object: GraphQLObjectType) => "id" in object.getFields();

function selectedTypes(schema: GraphQLSchema, document: DocumentNode): string[] {
  const types = new Set<string>();
  const add = (type: GraphQLNamedType) => {
    if (isObjectType(type)) types.add(type.name);
    else if (isAbstractType(type)) {
      types.add(type.name);
      for (const possible of schema.getPossibleTypes(type)) types.add(possible.name);
    }
  };
  const typeInfo = new TypeInfo(schema);
  // Fields the API schema does not have (`_entities`, @inaccessible ones) leave no parent type; their
  // inline fragments name theirs.
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        // Up to its entities, told apart here by an `id` (the API schema has no @key): a type that is no
        // entity but has one ends the walk early, and what lies past it is selected (so tagged) to be in a response.
        if (type) for (const object of typesWithin(schema, getNamedType(type), hasId)) types.add(object.name);
      },
      SelectionSet() {
        const parent = typeInfo.getParentType();
        if (parent && parent !== schema.getQueryType()) add(parent);
      },
    }),
  );
  return [...types];
}
