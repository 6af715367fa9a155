import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ApolloServerErrorCode } from "@apollo/server/errors";
import { describe, expect, it } from "vitest";
import { ErrorCode, httpStatusFor } from "./errors.ts";

// One closed set of error codes: every code the router, the kit or a subgraph can put in
// `extensions.code` (and every code Apollo Server can) is in ErrorCode, and the table in docs/api.md and
// the SDK's type name exactly that set, the table with each code's status.

const root = join(import.meta.dirname, "../../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "generated" || name === "dist") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

const EMITTED = [/\bcode:\s*"([A-Z_]+)"/g, /\bErrorCode\.([A-Z_]+)\b/g, /"([A-Z_]+_EXCEEDED)"/g];
const codes = Object.values(ErrorCode) as string[];

describe("the closed set of error codes", () => {
  it("holds every code the services emit", () => {
    const dirs = [
      join(root, "router/src"),
      join(root, "packages/kit/src"),
      ...readdirSync(join(root, "subgraphs")).map((name) => join(root, "subgraphs", name, "src")),
    ];
    const found = new Map<string, string>();
    for (const file of dirs.flatMap(sources)) {
      const text = readFileSync(file, "utf8");
      for (const pattern of EMITTED)
        for (const match of text.matchAll(pattern)) found.set(match[1] as string, relative(root, file));
    }
    expect(found.size).toBeGreaterThan(10);
    for (const [code, file] of found) expect(codes, `${code} (in ${file})`).toContain(code);
  });

  it("holds every code Apollo Server can send, and gives each code its status", () => {
    for (const code of Object.values(ApolloServerErrorCode)) expect(codes).toContain(code);
    for (const code of codes) expect(httpStatusFor[code as ErrorCode]).toBeGreaterThanOrEqual(400);
  });

  it("is docs/api.md's error table, with each code's status, and the SDK's ErrorCode", () => {
    const api = readFileSync(join(root, "docs/api.md"), "utf8");
    const start = api.indexOf("| Code | HTTP");
    const end = api.indexOf("\n\n", start);
    const rows = api
      .slice(start, end === -1 ? undefined : end)
      .trim()
      .split("\n")
      .slice(2);
    const listed = new Set<string>();
    for (const row of rows) {
      // First cell: the row's codes; second: their statuses, one for all or one each ("404 / 400").
      const [, codeCell = "", statusCell = ""] = row.split("|");
      const rowCodes = [...codeCell.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1] as string);
      const statuses = [...statusCell.matchAll(/\d{3}/g)].map((match) => Number(match[0]));
      rowCodes.forEach((code, index) => {
        listed.add(code);
        expect(httpStatusFor[code as ErrorCode], `${code}'s status in docs/api.md`).toBe(
          statuses.length === 1 ? statuses[0] : statuses[index],
        );
      });
    }
    expect(listed).toEqual(new Set(codes));
    const sdk = readFileSync(join(root, "sdk/src/errors.ts"), "utf8");
    const union = sdk.slice(
      sdk.indexOf("export type ErrorCode"),
      sdk.indexOf(";", sdk.indexOf("export type ErrorCode")),
    );
    expect(new Set([...union.matchAll(/"([A-Z_]+)"/g)].map((match) => match[1]))).toEqual(new Set(codes));
  });
});
