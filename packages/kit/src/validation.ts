import { z } from "zod";
import { badUserInput } from "./errors.ts";

/**
 * An id argument: a UUID, in lower case, as the database gives ids back (Postgres reads either case), so
 * that what is keyed by it (merged lines, cache tags, event keys) matches the rows' ids.
 */
export const uuidId = (message?: string) => z.uuid(message).transform((id) => id.toLowerCase());

/**
 * Validates resolver input with a zod schema; the first problem becomes BAD_USER_INPUT naming the field
 * as the client wrote it (`at` is the argument's name, e.g. "input" gives "input.email").
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, at?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [...(at ? [at] : []), ...(issue?.path ?? [])].join(".") || undefined;
  throw badUserInput(field ? `${field}: ${issue?.message}` : (issue?.message ?? "Invalid input."), field);
}
