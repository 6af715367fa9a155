import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../codegen.ts";

const packageDir = join(import.meta.dirname, "..");

describe("the generated resolver types", () => {
  it("are up to date with schema.graphql (run `pnpm --filter @supergraph/orders codegen` if this fails)", async () => {
    const previous = process.cwd();
    process.chdir(packageDir);
    try {
      const files = await generate({ ...config, silent: true }, false);
      for (const file of files) {
        expect(readFileSync(join(packageDir, file.filename), "utf8"), file.filename).toBe(file.content);
      }
    } finally {
      process.chdir(previous);
    }
  });
});
