import { createHash } from "node:crypto";
import * as generated from "../src/generated/graphql.ts";

/** Every operation document the SDK can send, by the sha256 (hex) the SDK sends for it. */
export function operationManifest(): Record<string, string> {
  const documents = Object.entries(generated)
    .filter(([name]) => name.endsWith("Document"))
    .map(([, value]) => String(value));
  return Object.fromEntries(
    documents
      .map((document) => [createHash("sha256").update(document).digest("hex"), document] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
