import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SUBGRAPHS } from "@supergraph/registry";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Docker cannot run here, so the image definitions are checked for what can be checked without it;
// image-layout.test.ts then assembles each image's file layout for real and runs the service from it.
const root = join(import.meta.dirname, "../..");
const subgraphs = SUBGRAPHS.map((subgraph) => subgraph.name);
const dockerfile = readFileSync(join(import.meta.dirname, "Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));

describe("the Dockerfile", () => {
  it("copies only sources that exist in the build context (the repository root)", () => {
    const copies = instructions.filter((line) => line.startsWith("COPY ") && !line.includes("--from="));
    expect(copies.length).toBeGreaterThan(5);
    for (const copy of copies) {
      const sources = copy
        .split(/\s+/)
        .slice(1, -1)
        .filter((part) => !part.startsWith("--"));
      for (const source of sources) expect(existsSync(join(root, source)), `COPY source ${source}`).toBe(true);
    }
  });

  it("keeps sources out of the .dockerignore", () => {
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim());
    for (const needed of [
      "packages",
      "prisma",
      "router",
      "subgraphs",
      "sdk",
      "playground",
      "scripts",
      "pnpm-lock.yaml",
    ])
      expect(ignored).not.toContain(needed);
  });

  it("builds on Node 24 LTS slim, runs as a non-root user, checks health, and execs Node directly", () => {
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:24(\.\d+)*-slim/);
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).toContain("/health/ready");
    // Services default to loopback (127.0.0.1): the image must listen on every interface itself.
    expect(runtime).toMatch(/^ENV [^\n]*\bHOST=0\.0\.0\.0\b/m);
    // Exec form, no shell: SIGTERM reaches Node, whose handler drains requests.
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=64", "dist\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/^ENTRYPOINT [^[]/m);
    // Production dependencies and built output only.
    expect(dockerfile).toContain("deploy --legacy --prod");
    expect(runtime).not.toMatch(/COPY --from=build[^\n]*\/repo/);
  });
});

describe("compose.yaml", () => {
  const compose = parse(readFileSync(join(import.meta.dirname, "compose.yaml"), "utf8")) as {
    services: Record<
      string,
      {
        image?: string;
        build?: { context: string; dockerfile: string; args?: Record<string, string> };
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: unknown;
        command?: string[];
      }
    >;
  };
  const services = compose.services;

  it("runs Postgres, Redis, a migration per subgraph, every subgraph and the router", () => {
    expect(Object.keys(services).sort()).toEqual(
      ["postgres", "redis", ...subgraphs.map((name) => `${name}-migrate`), ...subgraphs, "router"].sort(),
    );
  });

  it("depends only on services it defines, in health order, migrations first", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        expect(["service_healthy", "service_completed_successfully"]).toContain(condition);
      }
    }
    for (const subgraph of subgraphs) {
      expect(services[subgraph]?.depends_on?.[`${subgraph}-migrate`]?.condition).toBe("service_completed_successfully");
      expect(services[`${subgraph}-migrate`]?.command).toEqual(["migrate"]);
    }
    expect(Object.keys(services.router?.depends_on ?? {}).sort()).toEqual(["redis", ...subgraphs].sort());
    expect(services.postgres?.healthcheck).toBeDefined();
    expect(services.redis?.healthcheck).toBeDefined();
  });

  it("references only images it builds (or public ones), built from this Dockerfile", () => {
    const built = new Set(
      Object.values(services)
        .filter((service) => service.build)
        .map((service) => service.image),
    );
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toBeTruthy();
      if (service.image?.startsWith("supergraph/"))
        expect(built.has(service.image), `${name} uses ${service.image}`).toBe(true);
      if (service.build) {
        expect(existsSync(join(import.meta.dirname, service.build.context, service.build.dockerfile))).toBe(true);
        expect(service.image).toBe(`supergraph/${service.build.args?.SERVICE}`);
      }
    }
  });
});
