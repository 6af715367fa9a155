import { defineConfig } from "@graphql-hive/gateway";

// Hive Gateway's best configuration on the benchmark (with --jit on the command line): identical
// in-flight requests executed once.
export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: true,
});
