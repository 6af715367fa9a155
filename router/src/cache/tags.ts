import {
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  type SelectionSetNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";

// The response cache tags every cached response with what it contains, so a mutation can purge exactly
// the responses it made stale:
//   - `Type:id` for every entity in the data (Product:42), and
//   - `Type` for every entity type the operation selects, whether or not the data holds any (an empty
//     search result is stale once a matching product is created).
// Clients rarely ask for `__typename` and `id` everywhere, so the router adds them to the operation under
// reserved aliases before execution and strips them from what it sends.
export const TYPENAME_ALIAS = "__cacheTypename";
export const ID_ALIAS = "__cacheId";

export interface AugmentedOperation {
  document: DocumentNode;
  /** The entity types (types with an `id` field) the operation selects. */
  typeTags: string[];
}

const hasIdField = (type: unknown) =>
  (isObjectType(type) || isInterfaceType(type)) && Object.hasOwn(type.getFields(), "id");

/** Adds `__cacheTypename: __typename` (and `__cacheId: id` where there is an id) to every selection set. */
export function augmentOperation(schema: GraphQLSchema, document: DocumentNode): AugmentedOperation {
  const typeTags = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const augmented = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet: {
        leave(node: SelectionSetNode) {
          const type = getNamedType(typeInfo.getParentType() ?? undefined);
          if (!type || !isCompositeType(type)) return undefined;
          const extra: SelectionSetNode["selections"][number][] = [field(TYPENAME_ALIAS, "__typename")];
          if (hasIdField(type)) {
            extra.push(field(ID_ALIAS, "id"));
            typeTags.add(type.name);
          }
          return { ...node, selections: [...node.selections, ...extra] };
        },
      },
    }),
  );
  return { document: augmented, typeTags: [...typeTags] };
}

function field(alias: string, name: string) {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: name },
  } as const;
}

/** `Type:id` for every entity in the (augmented) data. */
export function entityTags(data: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(data)) {
    for (const item of data) entityTags(item, into);
  } else if (data !== null && typeof data === "object") {
    const record = data as Record<string, unknown>;
    const id = record[ID_ALIAS];
    const type = record[TYPENAME_ALIAS];
    if (typeof type === "string" && (typeof id === "string" || typeof id === "number")) into.add(`${type}:${id}`);
    for (const value of Object.values(record)) if (value !== null && typeof value === "object") entityTags(value, into);
  }
  return into;
}
