// Writes the persisted-operations manifest (sha256 of each operation's document → the document) from the
// generated SDK itself, so the hashes are those of the exact strings the client sends.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { operationManifest } from "./operations.ts";

const target = join(import.meta.dirname, "../persisted-operations.json");
writeFileSync(target, `${JSON.stringify(operationManifest(), null, 2)}\n`);
console.log("wrote sdk/persisted-operations.json");
