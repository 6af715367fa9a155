import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generatedFiles } from "@supergraph/kit/codegen";
import { describe, expect, it } from "vitest";
import config from "../codegen.ts";

describe("the generated resolver types", () => {
  it("are up to date with schema.graphql (run `pnpm --filter @supergraph/orders codegen` if this fails)", async () => {
    for (const file of await generatedFiles(join(import.meta.dirname, ".."), config)) {
      expect(readFileSync(file.path, "utf8"), file.filename).toBe(file.content);
    }
  });
});
