import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@supergraph/kit/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createPersistedOperations, type PersistedOperationsMode } from "./persisted-operations.ts";

const apolloManifest = (operations: Array<{ id: string; body: string }>) =>
  JSON.stringify({
    format: "apollo-persisted-query-manifest",
    version: 1,
    operations: operations.map((operation) => ({ ...operation, name: "Op", type: "query" })),
  });
const byId = (id: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } });

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

function setUp(files: Record<string, string>, mode: PersistedOperationsMode = "only") {
  const dir = mkdtempSync(join(tmpdir(), "manifests-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const lines: string[] = [];
  const operations = createPersistedOperations({
    mode,
    manifestPaths: Object.keys(files).map((name) => join(dir, name)),
    logger: createLogger("router", "info", { write: (line: string) => void lines.push(line) }),
  });
  cleanup.push(() => {
    operations.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, lines, operations };
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 3000) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("persisted-operations manifests", () => {
  it("reads Apollo's format and the flat one, from several files", () => {
    const { operations } = setUp({
      "apollo.json": apolloManifest([{ id: "a1", body: "query A { a }" }]),
      "flat.json": JSON.stringify({ f1: "query F { f }" }),
    });
    expect(operations.allows(byId("a1"))).toBe(true);
    expect(operations.allows(byId("f1"))).toBe(true);
    expect(operations.allows({ query: "query A { a }" })).toBe(true);
    expect(operations.allows({ query: "query B { b }" })).toBe(false);
    expect(operations.allows(byId("nope"))).toBe(false);
    // An id with another document than its own is refused.
    expect(operations.allows({ ...byId("a1"), query: "query F { f }" })).toBe(false);
    expect([...operations.documents()].sort()).toEqual(["query A { a }", "query F { f }"]);
  });

  it("refuses to start on a manifest it cannot read, naming the file and the fix", () => {
    expect(() =>
      setUp({ "bad.json": JSON.stringify({ format: "apollo-persisted-query-manifest", version: 2, operations: [] }) }),
    ).toThrow(/bad\.json.*version 2/);
    expect(() => setUp({ "bad.json": "{ nope" })).toThrow(/bad\.json.*invalid JSON/);
    expect(() =>
      createPersistedOperations({
        mode: "only",
        manifestPaths: ["/nowhere/manifest.json"],
        logger: createLogger("router", "silent"),
      }),
    ).toThrow(/\/nowhere\/manifest\.json was not found/);
  });

  it("reloads a manifest when its file changes, also when replaced by a rename", async () => {
    const { dir, operations } = setUp({ "ops.json": apolloManifest([{ id: "a1", body: "query A { a }" }]) });
    writeFileSync(join(dir, "ops.json"), apolloManifest([{ id: "b1", body: "query B { b }" }]));
    await until(() => operations.allows(byId("b1")));
    expect(operations.allows(byId("a1"))).toBe(false);

    writeFileSync(join(dir, "next.tmp"), apolloManifest([{ id: "c1", body: "query C { c }" }]));
    renameSync(join(dir, "next.tmp"), join(dir, "ops.json"));
    await until(() => operations.allows(byId("c1")));
    expect([...operations.documents()]).toEqual(["query C { c }"]);
  });

  it("keeps a file's previous operations when its new content is broken, and logs an error", async () => {
    const { dir, lines, operations } = setUp({
      "ops.json": apolloManifest([{ id: "a1", body: "query A { a }" }]),
      "other.json": JSON.stringify({ f1: "query F { f }" }),
    });
    writeFileSync(
      join(dir, "ops.json"),
      '{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [',
    );
    await until(() => lines.some((line) => line.includes("not reloaded")));
    expect(lines.find((line) => line.includes("not reloaded"))).toMatch(/"level":50.*ops\.json/);
    expect(operations.allows(byId("a1"))).toBe(true);
    expect(operations.allows(byId("f1"))).toBe(true);

    writeFileSync(join(dir, "ops.json"), apolloManifest([{ id: "a2", body: "query A2 { a }" }]));
    await until(() => operations.allows(byId("a2")));
    expect(operations.allows(byId("f1"))).toBe(true);
  });
});
