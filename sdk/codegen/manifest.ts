// Writes the persisted-operations manifest (Apollo's format: every body a client sends for an SDK
// document, by its sha256) and the parsed documents, from the generated SDK itself, so that the hashes are
// those of the exact strings the clients send.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { documentsModule, operationManifest } from "./operations.ts";

writeFileSync(
  join(import.meta.dirname, "../persisted-operations.json"),
  `${JSON.stringify(operationManifest(), null, 2)}\n`,
);
writeFileSync(join(import.meta.dirname, "../src/generated/documents.ts"), documentsModule());
console.log("wrote sdk/persisted-operations.json and sdk/src/generated/documents.ts");
