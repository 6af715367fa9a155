import { availableParallelism } from "node:os";
import { ConfigError } from "@supergraph/kit/runtime";
import { describe, expect, it } from "vitest";
import { disableApolloTelemetry, loadConfig } from "./config.ts";

describe("ROUTER_WORKERS", () => {
  const redis = { REDIS_URL: "redis://127.0.0.1:6379" };

  it("runs one router process unless told otherwise", () => {
    expect(loadConfig({}).workers).toBe(1);
  });

  it("takes a count, or `auto` for one per core", () => {
    expect(loadConfig({ ...redis, ROUTER_WORKERS: "3" }).workers).toBe(3);
    expect(loadConfig({ ...redis, ROUTER_WORKERS: "auto" }).workers).toBe(availableParallelism());
  });

  it("refuses anything else, naming the setting", () => {
    for (const value of ["0", "-2", "1.5", "many"]) {
      expect(() => loadConfig({ ...redis, ROUTER_WORKERS: value })).toThrow(/ROUTER_WORKERS/);
    }
  });

  it("needs Redis for more than one worker: in-memory caches and limits would differ per worker", () => {
    expect(() => loadConfig({ ROUTER_WORKERS: "2" })).toThrow(ConfigError);
    expect(() => loadConfig({ ROUTER_WORKERS: "2" })).toThrow(/needs REDIS_URL/);
    expect(loadConfig({ ROUTER_WORKERS: "1" }).workers).toBe(1);
  });
});

describe("CORS headers", () => {
  it("allow by default what Apollo Client, urql and W3C tracing send", () => {
    expect(loadConfig({}).cors.allowHeaders).toEqual(
      expect.arrayContaining([
        "content-type",
        "authorization",
        "apollographql-client-name",
        "apollographql-client-version",
        "traceparent",
        "tracestate",
        "x-request-id",
        "apollo-require-preflight",
        "x-apollo-operation-name",
        "accept",
      ]),
    );
  });

  it("CORS_ALLOW_HEADERS and CORS_EXPOSE_HEADERS replace the lists", () => {
    const config = loadConfig({ CORS_ALLOW_HEADERS: "content-type, x-tenant", CORS_EXPOSE_HEADERS: "x-cache" });
    expect(config.cors).toEqual({ allowHeaders: ["content-type", "x-tenant"], exposeHeaders: ["x-cache"] });
  });
});

describe("PERSISTED_OPERATIONS_MANIFEST", () => {
  it("takes several files, comma-separated; the SDK's by default", () => {
    expect(loadConfig({}).persistedOperations.manifestPaths).toEqual([
      expect.stringMatching(/sdk\/persisted-operations\.json$/),
    ]);
    expect(loadConfig({ PERSISTED_OPERATIONS_MANIFEST: "a.json, b.json" }).persistedOperations.manifestPaths).toEqual([
      "a.json",
      "b.json",
    ]);
  });
});

describe("MAX_BATCH_SIZE", () => {
  it("allows batches of up to 10 operations by default; 0 turns batching off", () => {
    expect(loadConfig({}).maxBatchSize).toBe(10);
    expect(loadConfig({ MAX_BATCH_SIZE: "0" }).maxBatchSize).toBe(0);
  });

  it("refuses anything but a whole number, naming the setting", () => {
    for (const value of ["-1", "2.5", "many"])
      expect(() => loadConfig({ MAX_BATCH_SIZE: value })).toThrow(/MAX_BATCH_SIZE/);
  });
});

describe("cache byte budgets", () => {
  it("default to about 200 MiB in all, each one settable", () => {
    const { caches } = loadConfig({});
    expect(Object.values(caches).reduce((sum, bytes) => sum + bytes, 0)).toBeLessThanOrEqual(256 * 2 ** 20);
    expect(
      loadConfig({ QUERY_PLAN_CACHE_MAX_BYTES: "1048576", DOCUMENT_CACHE_MAX_BYTES: "2048" }).caches,
    ).toMatchObject({ queryPlansBytes: 1048576, documentsBytes: 2048 });
  });

  it("refuses budgets that would fill more than half the heap, saying what to change", () => {
    expect(() => loadConfig({ RESPONSE_CACHE_MEMORY_MAX_BYTES: String(64 * 2 ** 30) })).toThrow(
      /more than half the heap limit .*--max-old-space-size/,
    );
    expect(() => loadConfig({ REVOCATIONS_MAX_BYTES: "0" })).toThrow(/REVOCATIONS_MAX_BYTES/);
  });
});

describe("APOLLO_DISABLE_SECURITY_*", () => {
  it("keeps Apollo's planner limits on by default, and reads `true` as @apollo/gateway does", () => {
    expect(loadConfig({}).queryPlannerSecurity).toEqual({
      recursiveSelectionsLimitDisabled: false,
      nonLocalSelectionsLimitDisabled: false,
    });
    expect(
      loadConfig({ APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK: "true" }).queryPlannerSecurity
        .recursiveSelectionsLimitDisabled,
    ).toBe(true);
  });

  it("refuses a value the gateway would silently read as false, naming the setting", () => {
    expect(() => loadConfig({ APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK: "1" })).toThrow(
      /APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK/,
    );
  });
});

describe("disableApolloTelemetry", () => {
  it("sets the variable @apollo/gateway reads before it would report usage to Apollo", () => {
    const env: NodeJS.ProcessEnv = {};
    disableApolloTelemetry(env);
    expect(env.APOLLO_TELEMETRY_DISABLED).toBe("true");
  });
});

describe("TRUSTED_PROXIES", () => {
  it("takes addresses, CIDR ranges and proxy-addr's names", () => {
    expect(loadConfig({ TRUSTED_PROXIES: "10.0.0.0/8, 172.16.0.0/12,loopback, ::1" }).trustedProxies).toEqual([
      "10.0.0.0/8",
      "172.16.0.0/12",
      "loopback",
      "::1",
    ]);
  });

  it("refuses anything else at start-up, naming the setting (it was a stack trace from the proxy library)", () => {
    for (const value of ["10.0.0.0/8;172.16.0.0/12", "ingress-nginx", "10.0.0.0/33"]) {
      expect(() => loadConfig({ TRUSTED_PROXIES: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ TRUSTED_PROXIES: value }), value).toThrow(/TRUSTED_PROXIES/);
    }
  });
});

describe("INTERNAL_PORT", () => {
  it("must differ from PORT, naming both (it was EADDRINUSE after the public port listened)", () => {
    expect(() => loadConfig({ PORT: "4100", INTERNAL_PORT: "4100" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "4100", INTERNAL_PORT: "4100" })).toThrow(
      /INTERNAL_PORT \(4100\) must differ from PORT/,
    );
    expect(loadConfig({ PORT: "4100", INTERNAL_PORT: "4190" }).internalPort).toBe(4190);
    expect(loadConfig({ PORT: "0", INTERNAL_PORT: "0" }).internalPort).toBe(0);
    expect(() => loadConfig({ PORT: "9090" })).toThrow(/INTERNAL_PORT \(9090\) must differ/);
  });
});

describe("SUPERGRAPH_PATH", () => {
  it("names a path where there is no supergraph file before anything starts", () => {
    for (const path of ["/nonexistent/supergraph.graphql", import.meta.dirname]) {
      expect(() => loadConfig({ SUPERGRAPH_PATH: path })).toThrow(ConfigError);
      expect(() => loadConfig({ SUPERGRAPH_PATH: path })).toThrow(`SUPERGRAPH_PATH: no readable file at ${path}`);
    }
    expect(loadConfig({}).supergraphPath).toMatch(/supergraph\.graphql$/);
  });
});

describe("<NAME>_URL", () => {
  it("takes an http(s) URL and refuses anything else, naming the setting (it failed on the first query)", () => {
    expect(loadConfig({ USERS_URL: "https://users.internal/graphql" }).subgraphs.users.url).toBe(
      "https://users.internal/graphql",
    );
    for (const value of ["users:4001/graphql", "ftp://users/graphql"])
      expect(() => loadConfig({ USERS_URL: value })).toThrow(/USERS_URL: must be an http\(s\) URL/);
  });
});

describe("PERSISTED_OPERATIONS_MANIFEST", () => {
  it("must name files that exist when persisted operations are on: named before anything starts (exit 78)", () => {
    expect(() =>
      loadConfig({ PERSISTED_OPERATIONS: "only", PERSISTED_OPERATIONS_MANIFEST: "/nowhere/manifest.json" }),
    ).toThrow(
      /PERSISTED_OPERATIONS_MANIFEST: PERSISTED_OPERATIONS=only needs every manifest.*\/nowhere\/manifest\.json/,
    );
    expect(
      loadConfig({ PERSISTED_OPERATIONS: "off", PERSISTED_OPERATIONS_MANIFEST: "/nowhere/manifest.json" })
        .persistedOperations.mode,
    ).toBe("off");
  });
});

describe("SHUTDOWN_TIMEOUT_MS", () => {
  it("leaves a request that started as the listener closed its whole ROUTER_TIMEOUT_MS after the drain", () => {
    const drain = { SHUTDOWN_DRAIN_DELAY_MS: "5000" };
    expect(loadConfig(drain).shutdown).toEqual({ drainDelayMs: 5_000, timeoutMs: 40_000 });
    expect(() => loadConfig({ ...drain, SHUTDOWN_TIMEOUT_MS: "15000" })).toThrow(
      /SHUTDOWN_TIMEOUT_MS \(15000\) must leave a request .* ROUTER_TIMEOUT_MS \(30000\)/,
    );
    const shorter = { ...drain, SHUTDOWN_TIMEOUT_MS: "15000", ROUTER_TIMEOUT_MS: "10000", SUBGRAPH_TIMEOUT_MS: "5000" };
    expect(loadConfig(shorter).shutdown.timeoutMs).toBe(15_000);
  });
});
