import {
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
} from "graphql";

/**
 * The object types a value of `type` is made of: it (an abstract type: each of its object types), and
 * through their fields the types of their values, up to and including each type `ends` (an entity, whose
 * own fields count only where selected). So a connection read for its count alone (`ProductConnection`)
 * is made of `Product`, and changes with it. Used by the subgraphs' cache tags and the router's fallback
 * for subgraphs that report none; each remembers its result per document.
 */
export function typesWithin(
  schema: GraphQLSchema,
  type: GraphQLNamedType,
  ends: (object: GraphQLObjectType) => boolean,
): Set<GraphQLObjectType> {
  const within = new Set<GraphQLObjectType>();
  const walk = (named: GraphQLNamedType) => {
    const objects = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
    for (const object of objects) {
      if (within.has(object)) continue;
      within.add(object);
      if (ends(object)) continue;
      for (const field of Object.values(object.getFields())) walk(getNamedType(field.type));
    }
  };
  walk(type);
  return within;
}
