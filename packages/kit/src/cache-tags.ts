import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  type DocumentNode,
  defaultTypeResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type ResponsePath,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { typesWithin } from "./types-within.ts";

/**
 * Cache tags, subgraph side: every query response says which entities it returned (`Product:42`) and which
 * entity types it read (`Product`), in the response's extensions, as Apollo Router's response cache reads
 * them: `apolloCacheTags` (one list) for a root-field response, `apolloEntityCacheTags` (one list per
 * entity, by position) for an `_entities` response. The router tags its cached responses with them, so a
 * purge of `Product:42` (see invalidation.ts) reaches exactly the responses that hold that product.
 *
 * Automatic: types are read from the operation, entities from the objects the resolvers returned, so no
 * resolver has to remember to tag. An entity whose key cannot be read from its object is tagged
 * `Type:*` (any entity of that type), which every purge of that type reaches.
 */

/** Key fields of each entity type (its first `@key`); null when the key is not plain fields of the object. */
type EntityKeys = Map<GraphQLObjectType, string[] | null>;

const keysBySchema = new WeakMap<GraphQLSchema, EntityKeys>();

function entityKeys(schema: GraphQLSchema): EntityKeys {
  let keys = keysBySchema.get(schema);
  if (!keys) {
    keys = new Map();
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type)) continue;
      const key = [type.astNode, ...type.extensionASTNodes]
        .flatMap((node) => node?.directives ?? [])
        .find((directive) => directive.name.value === "key");
      const fields = key?.arguments?.find((argument) => argument.name.value === "fields")?.value;
      if (!fields || fields.kind !== Kind.STRING) continue;
      keys.set(type, /[{}()]/.test(fields.value) ? null : fields.value.trim().split(/\s+/));
    }
    keysBySchema.set(schema, keys);
  }
  return keys;
}

/** `Type:id` for a one-field key, `Type:{"a":…,"b":…}` for a compound one, `Type:*` when it cannot be read. */
export function entityTagOf(type: string, fields: string[] | null, object: unknown): string {
  if (!fields || object === null || typeof object !== "object") return `${type}:*`;
  const record = object as Record<string, unknown>;
  const values = fields.map((field) => record[field]);
  if (values.some((value) => value === undefined || value === null)) return `${type}:*`;
  if (values.length === 1) return `${type}:${String(values[0])}`;
  return `${type}:${JSON.stringify(Object.fromEntries(fields.map((field, index) => [field, values[index]])))}`;
}

/**
 * The entity types an operation reads: those whose fields it selects (abstract types: their entity
 * implementations), and those that values of other types it selects are made of (see typesWithin).
 */
function typeTags(schema: GraphQLSchema, document: DocumentNode, keys: EntityKeys): string[] {
  const tags = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const addType = (type: GraphQLNamedType) => {
    if (isObjectType(type) && keys.has(type)) tags.add(type.name);
    else if (isAbstractType(type))
      for (const possible of schema.getPossibleTypes(type)) if (keys.has(possible)) tags.add(possible.name);
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        const named = type && getNamedType(type);
        if (named && isObjectType(named) && !keys.has(named))
          for (const object of typesWithin(schema, named, (candidate) => keys.has(candidate)))
            if (keys.has(object)) tags.add(object.name);
      },
      SelectionSet(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return;
        // On an abstract type only fields selected on it directly say anything (`_entities { ... on X }` reads X alone).
        if (
          isAbstractType(parent) &&
          !node.selections.some((selection) => selection.kind === Kind.FIELD && selection.name.value !== "__typename")
        )
          return;
        addType(parent);
      },
    }),
  );
  return [...tags];
}

/** The position of the `_entities` item a response path is under, or null for a root-field path. */
function entityPosition(path: ResponsePath): number | null {
  let previous: ResponsePath | undefined;
  for (let current: ResponsePath | undefined = path; current; current = current.prev) {
    if (!current.prev)
      return current.key === "_entities" && previous && typeof previous.key === "number" ? previous.key : null;
    previous = current;
  }
  return null;
}

export function useCacheTags<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  const staticTags = new WeakMap<DocumentNode, string[]>();
  return {
    async requestDidStart() {
      let collected: { types: string[]; root: Set<string>; entities: Set<string>[] } | undefined;
      return {
        async executionDidStart({ operation, schema, document }) {
          if (operation.operation !== "query") return;
          const keys = entityKeys(schema);
          let types = staticTags.get(document);
          if (!types) {
            types = typeTags(schema, document, keys);
            staticTags.set(document, types);
          }
          const root = new Set<string>(types);
          const entities: Set<string>[] = [];
          const seen = new WeakSet<object>();
          const tagsAt = (path: ResponsePath) => {
            const position = entityPosition(path);
            if (position === null) return root;
            let tags = entities[position];
            if (!tags) {
              tags = new Set(types);
              entities[position] = tags;
            }
            return tags;
          };
          const tagEntity = (type: GraphQLNamedType, object: unknown, into: Set<string>) => {
            if (isObjectType(type) && keys.has(type)) into.add(entityTagOf(type.name, keys.get(type) ?? null, object));
          };
          collected = { types, root, entities };
          return {
            willResolveField({ source, contextValue, info }) {
              // The object a field is resolved on is an entity of its parent type (each object once).
              if (keys.has(info.parentType) && source !== null && typeof source === "object" && !seen.has(source)) {
                seen.add(source);
                tagEntity(info.parentType, source, tagsAt(info.path));
              }
              const returned = getNamedType(info.returnType);
              if (!keys.has(returned as GraphQLObjectType) && !isAbstractType(returned)) return;
              // An entity returned but none of its fields resolved here (`{ node { __typename } }`).
              return (error, result) => {
                if (error || result === null || result === undefined) return;
                const into = tagsAt(info.path);
                for (const item of Array.isArray(result) ? result.flat(Number.POSITIVE_INFINITY) : [result]) {
                  if (item === null || typeof item !== "object") continue;
                  if (isObjectType(returned)) tagEntity(returned, item, into);
                  else if (isAbstractType(returned)) {
                    // The concrete type as execution will work it out; unknown (asynchronous) → any entity it may be.
                    const name = (returned.resolveType ?? defaultTypeResolver)(item, contextValue, info, returned);
                    const named = typeof name === "string" ? schema.getType(name) : undefined;
                    if (named) tagEntity(named, item, into);
                    else
                      for (const possible of schema.getPossibleTypes(returned))
                        if (keys.has(possible)) into.add(`${possible.name}:*`);
                  }
                }
              };
            },
          };
        },
        async willSendResponse({ response }) {
          if (!collected || response.body.kind !== "single") return;
          const { types, root, entities } = collected;
          const result = response.body.singleResult;
          // One list per representation, by position; an entity that resolved nothing still read its types.
          const returned = (result.data as { _entities?: unknown } | null | undefined)?._entities;
          const count = Array.isArray(returned) ? returned.length : entities.length;
          result.extensions = {
            ...result.extensions,
            ...(count > 0
              ? { apolloEntityCacheTags: Array.from({ length: count }, (_, index) => [...(entities[index] ?? types)]) }
              : {}),
            ...(count === 0 ? { apolloCacheTags: [...root] } : {}),
          };
        },
      };
    },
  };
}
