import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { limitValidationRules, type QueryLimits } from "./limits.ts";

const schema = buildSchema(`type Query { a: Int b: Int }`);
const LIMITS: QueryLimits = { depth: 12, aliases: 30, tokens: 2000, rootFields: 20, cost: 5000, listSize: 20 };
const limitsHit = (document: string, limits: Partial<QueryLimits> = {}) =>
  validate(schema, parse(document), limitValidationRules({ ...LIMITS, ...limits })).map(
    (error) => error.extensions.limit,
  );

describe("the root-field limit", () => {
  it("counts the fields fragments select at the top level, each spread of a fragment again", () => {
    const document = `{ a ...F ... on Query { b } } fragment F on Query { a b ...G ...G } fragment G on Query { a }`;
    expect(limitsHit(document, { rootFields: 6 })).toEqual([]);
    expect(limitsHit(document, { rootFields: 5 })).toEqual(["ROOT_FIELD_LIMIT_EXCEEDED"]);
  });

  it("counts fragments spread many times over many levels in one pass over each (it took 8^12 steps)", () => {
    const names = "ABCDEFGHIJKL".split("");
    const fragments = names.map((name, index) => {
      const next = names[index + 1];
      return `fragment ${name} on Query { ${next ? Array(8).fill(`...${next}`).join(" ") : "a"} }`;
    });
    expect(limitsHit(`{ ...A } ${fragments.join(" ")}`, { depth: 100 })).toEqual(["ROOT_FIELD_LIMIT_EXCEEDED"]);
  });
});
