/**
 * Reads a persisted-operations manifest into id → document. Two formats:
 *   - Apollo's (`@apollo/generate-persisted-query-manifest`, read by Apollo Router and Hive too):
 *     `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "name", "type", "body" }] }`;
 *   - flat `{ "<id>": "<document>" }` (GraphQL Code Generator's persisted documents, Relay, our SDK before).
 * Throws with the file and what is wrong, so that a bad manifest is fixed, not half-used.
 */
export function parseManifest(text: string, path: string): Map<string, string> {
  const fail = (problem: string): never => {
    throw new Error(`${path} is not a persisted-operations manifest: ${problem}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`invalid JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return fail("expected a JSON object");
  const operations = new Map<string, string>();
  if ("format" in json) {
    const apollo = json as { format: unknown; version?: unknown; operations?: unknown };
    if (apollo.format !== "apollo-persisted-query-manifest")
      return fail(`unknown format ${JSON.stringify(apollo.format)}`);
    if (apollo.version !== 1) return fail(`version ${JSON.stringify(apollo.version)}, only version 1 is known`);
    if (!Array.isArray(apollo.operations)) return fail("`operations` must be an array");
    for (const [index, operation] of apollo.operations.entries()) {
      const { id, body } = (operation ?? {}) as { id?: unknown; body?: unknown };
      if (typeof id !== "string" || id === "" || typeof body !== "string")
        return fail(`operations[${index}] needs a string \`id\` and \`body\``);
      if (operations.has(id) && operations.get(id) !== body) return fail(`id ${id} is given two different bodies`);
      operations.set(id, body);
    }
    return operations;
  }
  for (const [id, body] of Object.entries(json)) {
    if (typeof body !== "string") return fail(`the value of ${id} must be the document, a string`);
    operations.set(id, body);
  }
  return operations;
}
