import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// `npm run test:unit`: the tests beside the code that need no service, in seconds. Left out: e2e/ (real
// processes and databases), deploy/ (Docker, kubectl, the image's layout), bench/, packages/db (databases),
// the SDK's pack test (npm pack, tsc), users' create-admin test (a child process on a database) and the
// resolver tests that serve a subgraph on a database of its own.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "router/src/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "subgraphs/*/src/**/*.test.ts",
      "sdk/src/**/*.test.ts",
      "scripts/**/*.test.ts",
      "docs/**/*.test.ts",
    ],
    exclude: [
      ...(base.test?.exclude ?? []),
      "packages/db/**",
      "subgraphs/users/src/create-admin.test.ts",
      "subgraphs/*/src/resolvers/*.test.ts",
    ],
    // The Redis cases of the cache, rate-limit and log-in tests skip when nothing answers; point them at
    // a closed port so a Redis running on this machine is not used either.
    env: { TEST_REDIS_URL: "redis://127.0.0.1:1" },
  },
});
