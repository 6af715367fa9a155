import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SUBGRAPHS } from "@supergraph/registry";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { deployDrift, wireSubgraph } from "./registry.ts";

const root = join(import.meta.dirname, "..");
let kubectl = true;
try {
  execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
} catch {
  kubectl = false;
}

describe("the deploy files and the registry of subgraphs (packages/registry)", () => {
  it("agree: compose, Postgres init, Kubernetes base and overlays list every subgraph, with its port and URLs", () => {
    expect(deployDrift(root, SUBGRAPHS)).toEqual([]);
  });

  it("agree again after a new subgraph is wired in (what `npm run new:subgraph` does)", () => {
    const copy = mkdtempSync(join(tmpdir(), "deploy-wire-"));
    try {
      cpSync(join(root, "deploy"), join(copy, "deploy"), {
        recursive: true,
        filter: (path) => !path.includes("node_modules"),
      });
      const added = { name: "gadgets", port: 4005, calls: [] };
      wireSubgraph(copy, added);
      expect(deployDrift(copy, [...SUBGRAPHS, added])).toEqual([]);
      expect(deployDrift(copy, SUBGRAPHS).length).toBeGreaterThan(0);
      if (!kubectl) return;
      for (const overlay of ["dev", "prod"]) {
        const rendered = execFileSync("kubectl", ["kustomize", join(copy, "deploy/k8s/overlays", overlay)], {
          encoding: "utf8",
        });
        // biome-ignore lint/suspicious/noExplicitAny: one field of a rendered manifest.
        const manifests = parseAllDocuments(rendered).map((document) => document.toJSON() as any);
        const deployment = manifests.find(
          (manifest) => manifest.kind === "Deployment" && manifest.metadata.name === "gadgets",
        );
        expect(deployment?.spec.template.spec.containers[0].ports[0].containerPort, overlay).toBe(4005);
        expect(
          manifests
            .filter((manifest) => manifest.metadata.name.startsWith("gadgets"))
            .map((manifest) => manifest.kind)
            .sort(),
        ).toEqual(["Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Service"]);
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
