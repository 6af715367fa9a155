import type { z } from "zod";
import { badUserInput } from "./errors.ts";

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
