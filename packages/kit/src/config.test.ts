import { describe, expect, it } from "vitest";
import { loadSubgraphConfig } from "./config.ts";

describe("subgraph config", () => {
  it("applies documented defaults in development", () => {
    const config = loadSubgraphConfig("users", 4001, {});
    expect(config).toMatchObject({
      env: "development",
      port: 4001,
      databaseUrl: undefined,
      dataDir: ".data",
      migrateOnStart: true,
      seedOnStart: true,
    });
  });

  // Regression (#26): the default was 0.0.0.0, so anyone on the network reached a development stack whose
  // public secrets mint admin tokens.
  it("listens on loopback only unless HOST says otherwise", () => {
    expect(loadSubgraphConfig("users", 4001, {}).host).toBe("127.0.0.1");
    const secret = "s".repeat(32);
    expect(loadSubgraphConfig("products", 4002, { HOST: "0.0.0.0", INTERNAL_TOKEN_SECRET: secret }).host).toBe(
      "0.0.0.0",
    );
  });

  it("refuses another interface while a development secret is in use, naming what to set", () => {
    for (const host of ["::", "10.0.0.5", "::ffff:10.0.0.5", "example.com"])
      expect(() => loadSubgraphConfig("products", 4002, { HOST: host }), host).toThrow(
        /development INTERNAL_TOKEN_SECRET/,
      );
    expect(() => loadSubgraphConfig("products", 4002, { HOST: "0.0.0.0" })).toThrow(
      /HOST=0\.0\.0\.0 .*development INTERNAL_TOKEN_SECRET.*set INTERNAL_TOKEN_SECRET/,
    );
    expect(() =>
      loadSubgraphConfig("users", 4001, { HOST: "192.168.1.20", INTERNAL_TOKEN_SECRET: "s".repeat(32) }, "userTokens"),
    ).toThrow(/development JWT_SECRET, which are public/);
    for (const host of ["localhost", "127.0.0.2", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])
      expect(loadSubgraphConfig("products", 4002, { HOST: host }).host).toBe(host);
  });

  it("reads the subgraph's own prefixed settings", () => {
    const config = loadSubgraphConfig("users", 4001, {
      USERS_PORT: "5001",
      USERS_DATABASE_URL: "postgres://db/users",
      PRODUCTS_PORT: "9",
    });
    expect(config.port).toBe(5001);
    expect(config.databaseUrl).toBe("postgres://db/users");
  });

  it("sizes the database pool: 10, the shared DATABASE_POOL_SIZE, or the subgraph's own", () => {
    expect(loadSubgraphConfig("users", 4001, {}).databasePoolSize).toBe(10);
    expect(loadSubgraphConfig("users", 4001, { DATABASE_POOL_SIZE: "4" }).databasePoolSize).toBe(4);
    expect(
      loadSubgraphConfig("users", 4001, { DATABASE_POOL_SIZE: "4", USERS_DATABASE_POOL_SIZE: "6" }).databasePoolSize,
    ).toBe(6);
    expect(() => loadSubgraphConfig("users", 4001, { DATABASE_POOL_SIZE: "0" })).toThrow(/- DATABASE_POOL_SIZE:/);
    expect(() => loadSubgraphConfig("users", 4001, { USERS_DATABASE_POOL_SIZE: "x" })).toThrow(
      /- USERS_DATABASE_POOL_SIZE:/,
    );
  });

  it("bounds the log buffer: 16 MiB unless set, and not below 64 KiB", () => {
    expect(loadSubgraphConfig("users", 4001, {}).logBufferMaxBytes).toBe(16 * 1024 * 1024);
    expect(loadSubgraphConfig("users", 4001, { LOG_BUFFER_MAX_BYTES: "65536" }).logBufferMaxBytes).toBe(65536);
    expect(() => loadSubgraphConfig("users", 4001, { LOG_BUFFER_MAX_BYTES: "1000" })).toThrow(
      /LOG_BUFFER_MAX_BYTES: must be at least 65536/,
    );
  });

  it("names the variable to fix when a setting is invalid", () => {
    expect(() => loadSubgraphConfig("users", 4001, { USERS_PORT: "http", USERS_DATABASE_URL: "mysql://x" })).toThrow(
      /USERS_PORT[\s\S]*USERS_DATABASE_URL/,
    );
  });

  it("requires real secrets in production and never seeds there", () => {
    expect(() => loadSubgraphConfig("products", 4002, { NODE_ENV: "production" })).toThrow(
      /^INTERNAL_TOKEN_SECRET must be set/,
    );
    expect(() =>
      loadSubgraphConfig("products", 4002, { NODE_ENV: "production", INTERNAL_TOKEN_SECRET: "short" }),
    ).toThrow(/at least 32/);
    const config = loadSubgraphConfig("products", 4002, {
      NODE_ENV: "production",
      INTERNAL_TOKEN_SECRET: "i".repeat(32),
      PRODUCTS_DATABASE_URL: "postgres://db/products",
    });
    expect(config).toMatchObject({ seedOnStart: false, migrateOnStart: false });
  });

  it("refuses to run production on an embedded database by accident: a database URL, or DATA_DIR on purpose", () => {
    const secrets = { NODE_ENV: "production", INTERNAL_TOKEN_SECRET: "i".repeat(32) };
    expect(() => loadSubgraphConfig("products", 4002, secrets)).toThrow(
      "PRODUCTS_DATABASE_URL must be set when NODE_ENV=production",
    );
    // With the secrets missing too, both at once.
    expect(() => loadSubgraphConfig("products", 4002, { NODE_ENV: "production" })).toThrow(
      /INTERNAL_TOKEN_SECRET must be set[\s\S]*PRODUCTS_DATABASE_URL must be set/,
    );
    // An empty DATA_DIR (`DATA_DIR=` in a manifest) is unset, not a choice.
    expect(() => loadSubgraphConfig("products", 4002, { ...secrets, DATA_DIR: "" })).toThrow(/PRODUCTS_DATABASE_URL/);
    expect(loadSubgraphConfig("products", 4002, { ...secrets, DATA_DIR: "/var/lib/products" }).databaseUrl).toBe(
      undefined,
    );
    expect(loadSubgraphConfig("products", 4002, { NODE_ENV: "development" }).databaseUrl).toBe(undefined);
  });

  it("gives the access tokens' secret only to a subgraph that signs them", () => {
    const secrets = {
      NODE_ENV: "production",
      JWT_SECRET: "j".repeat(32),
      INTERNAL_TOKEN_SECRET: "i".repeat(32),
      DATA_DIR: "/data",
    };
    expect(loadSubgraphConfig("products", 4002, secrets)).not.toHaveProperty("jwt");
    expect(loadSubgraphConfig("users", 4001, secrets, "userTokens").jwt).toMatchObject({ secret: "j".repeat(32) });
    expect(() => loadSubgraphConfig("users", 4001, { NODE_ENV: "production" }, "userTokens")).toThrow(
      "JWT_SECRET and INTERNAL_TOKEN_SECRET must be set",
    );
    expect(() => loadSubgraphConfig("users", 4001, { ...secrets, JWT_SECRET: "short" }, "userTokens")).toThrow(
      /JWT_SECRET: must be at least 32/,
    );
  });
});
