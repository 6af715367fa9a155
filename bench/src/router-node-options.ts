import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** Where the router's production Node options are set; compose.yaml repeats them (a test keeps the two equal). */
export const ROUTER_MANIFEST = join(import.meta.dirname, "../../deploy/k8s/base/router.yaml");

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string }>;
}

/**
 * The NODE_OPTIONS the router is deployed with, read from its Kubernetes manifest, so the benchmark
 * measures the router as it runs in production and a change there is measured here without a second edit.
 */
export function routerNodeOptions(): string {
  const deployment = parseAllDocuments(readFileSync(ROUTER_MANIFEST, "utf8"))
    .map((document) => document.toJSON() as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } })
    .find((manifest) => manifest?.kind === "Deployment");
  const router = deployment?.spec?.template?.spec?.containers?.find((container) => container.name === "router");
  const value = router?.env?.find((variable) => variable.name === "NODE_OPTIONS")?.value;
  if (value === undefined) throw new Error(`${ROUTER_MANIFEST}: the router container sets no NODE_OPTIONS`);
  return value;
}
