import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("the posts subgraph's call to products", () => {
  it("has its own timeout setting, apart from the router's timeout for the products subgraph", () => {
    expect(loadConfig({}).productsTimeoutMs).toBe(5_000);
    expect(loadConfig({ PRODUCT_LOOKUP_TIMEOUT_MS: "1500" }).productsTimeoutMs).toBe(1_500);
    // The router's <NAME>_TIMEOUT_MS, set in the same ConfigMap, leaves it alone.
    expect(loadConfig({ PRODUCTS_TIMEOUT_MS: "20000" }).productsTimeoutMs).toBe(5_000);
  });

  it("refuses a timeout that is not a positive whole number, naming the setting", () => {
    expect(() => loadConfig({ PRODUCT_LOOKUP_TIMEOUT_MS: "soon" })).toThrow(/PRODUCT_LOOKUP_TIMEOUT_MS/);
  });
});

describe("the posts subgraph's configuration", () => {
  it("reports its own settings' problems and the shared ones at once", () => {
    expect(() => loadConfig({ PRODUCT_LOOKUP_TIMEOUT_MS: "soon", POSTS_DATABASE_URL: "mysql://db/posts" })).toThrow(
      /PRODUCT_LOOKUP_TIMEOUT_MS[\s\S]*POSTS_DATABASE_URL/,
    );
    expect(() => loadConfig({ PRODUCTS_URL: "products:4002/graphql" })).toThrow(
      /PRODUCTS_URL: must be an http\(s\) URL/,
    );
  });
});
