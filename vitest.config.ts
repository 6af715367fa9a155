import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(new URL("./router/package.json", import.meta.url));

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (`main`) and ESM (`module`) builds. Node (dev, production) loads `main`
    // for every importer; Vite would pick `module` for our sources while CommonJS dependencies
    // (@apollo/gateway) load `main`, and graphql refuses objects from the other copy.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/.data/**"],
    // Two cores: two test files at a time, each in its own process (servers and databases per file).
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
