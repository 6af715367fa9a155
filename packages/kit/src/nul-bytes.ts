import { defaultFieldResolver, type GraphQLSchema, isObjectType } from "graphql";
import { badUserInput } from "./errors.ts";

/** The path (`input.items.0.name`) of the first string holding a NUL byte in `value`, if any. */
export function nulBytePath(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nulBytePath(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses, with BAD_USER_INPUT naming the argument, any string argument holding a NUL byte, before its
 * resolver runs. PostgreSQL cannot store U+0000 in text (error 22021), so such input would otherwise reach
 * the database and fail there as a 500. Arguments are checked after coercion, so values sent inline and
 * in variables are both covered, on every field that takes arguments (`_entities` included).
 */
export function refuseNulBytes(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        for (const [name, value] of Object.entries(args)) {
          const path = nulBytePath(value, name);
          if (path) throw badUserInput(`${path}: must not contain a NUL character (\\u0000).`, path);
        }
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
