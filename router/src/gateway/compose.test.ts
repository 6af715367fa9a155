import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { composeSupergraph } from "./compose.ts";
import { SUBGRAPHS } from "./subgraphs.ts";

const routerDir = join(import.meta.dirname, "../..");

describe("supergraph composition", () => {
  const result = composeSupergraph(join(routerDir, ".."));

  it("composes every subgraph without errors", () => {
    expect("errors" in result ? result.errors : []).toEqual([]);
  });

  it("matches the checked-in router/supergraph.graphql (run `npm run compose` if this fails)", () => {
    if ("errors" in result) throw new Error("composition failed");
    expect(readFileSync(join(routerDir, "supergraph.graphql"), "utf8")).toBe(result.supergraphSdl);
  });

  it("matches the checked-in public API schema, with nothing @inaccessible in it", () => {
    if ("errors" in result) throw new Error("composition failed");
    expect(readFileSync(join(routerDir, "api-schema.graphql"), "utf8")).toBe(result.apiSchemaSdl);
    expect(result.apiSchemaSdl).not.toMatch(
      /reserveStock|releaseStock|existingProductIds|StockReservation|CacheControlScope/,
    );
  });

  it("routes to every subgraph the router knows", () => {
    if ("errors" in result) throw new Error("composition failed");
    const graphEnum = parse(result.supergraphSdl).definitions.find(
      (definition) => definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === "join__Graph",
    );
    const graphs = graphEnum?.kind === Kind.ENUM_TYPE_DEFINITION ? (graphEnum.values ?? []) : [];
    expect(graphs.map((value) => value.name.value).sort()).toEqual(
      SUBGRAPHS.map((subgraph) => subgraph.name.toUpperCase()).sort(),
    );
  });

  it("reports a schema that cannot be parsed or read as a composition error, naming its file", () => {
    const copy = mkdtempSync(join(tmpdir(), "compose-"));
    try {
      for (const subgraph of SUBGRAPHS) {
        cpSync(join(routerDir, "..", subgraph.schema), join(copy, subgraph.schema), { recursive: true });
      }
      const [first, second] = SUBGRAPHS;
      if (!first || !second) throw new Error("fewer than two subgraphs");
      writeFileSync(join(copy, first.schema), "type Half {");
      rmSync(join(copy, second.schema));
      const broken = composeSupergraph(copy);
      expect("errors" in broken && broken.errors).toEqual([
        expect.stringMatching(new RegExp(`^${first.schema}: Syntax Error`)),
        expect.stringMatching(new RegExp(`^${second.schema}: ENOENT`)),
      ]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
