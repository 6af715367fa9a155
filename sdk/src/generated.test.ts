import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "@graphql-codegen/cli";
import { buildSchema, Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { documentsModule, operationManifest } from "../codegen/operations.ts";
import config from "../codegen.ts";

const sdkDir = join(import.meta.dirname, "..");

describe("the generated SDK", () => {
  it("is up to date with the API schema and operations (run `npm run codegen` if this fails)", async () => {
    const previous = process.cwd();
    process.chdir(sdkDir);
    try {
      const files = await generate({ ...config, hooks: {}, silent: true }, false);
      for (const file of files) {
        expect(readFileSync(join(sdkDir, file.filename), "utf8"), file.filename).toBe(file.content);
      }
    } finally {
      process.chdir(previous);
    }
    expect(JSON.parse(readFileSync(join(sdkDir, "persisted-operations.json"), "utf8"))).toEqual(operationManifest());
    expect(readFileSync(join(sdkDir, "src/generated/documents.ts"), "utf8")).toBe(documentsModule());
  });

  it("has an operation for every public query and mutation", () => {
    const schema = buildSchema(readFileSync(join(sdkDir, "../router/api-schema.graphql"), "utf8"));
    const used = new Set<string>();
    for (const file of readdirSync(join(sdkDir, "operations")).filter((name) => name.endsWith(".graphql"))) {
      for (const definition of parse(readFileSync(join(sdkDir, "operations", file), "utf8")).definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        for (const selection of definition.selectionSet.selections) {
          if (selection.kind === Kind.FIELD) used.add(`${definition.operation}.${selection.name.value}`);
        }
      }
    }
    const roots = [
      ...Object.keys(schema.getQueryType()?.getFields() ?? {}).map((field) => `query.${field}`),
      ...Object.keys(schema.getMutationType()?.getFields() ?? {}).map((field) => `mutation.${field}`),
    ];
    expect(roots.filter((root) => !used.has(root))).toEqual([]);
  });
});
