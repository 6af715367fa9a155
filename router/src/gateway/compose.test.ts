import { readFileSync } from "node:fs";
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
});
