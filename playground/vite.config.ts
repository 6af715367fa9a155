import { defineConfig } from "vite";

// Served by the router under /playground/ (the page itself at GET /graphql for browsers).
export default defineConfig({
  base: "/playground/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // GraphiQL's dependencies mark React server components ("use client"); meaningless in this bundle.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
