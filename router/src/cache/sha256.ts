import { hash } from "node:crypto";

/** Characters of text whose hashes are kept; past it the memory starts over (a flood of new texts costs no more). */
export const MAX_CHARS = 4 * 2 ** 20;

const known = new Map<string, string>();
let chars = 0;

/**
 * The SHA-256 of a text, in hex, remembered for the texts seen lately: a cache hit hashes its query and its
 * key, which were about a tenth of its CPU, and the same few queries and keys come again and again (a
 * lookup in the map reads the text once; hashing it runs SHA-256 over it).
 */
export function sha256(text: string): string {
  let digest = known.get(text);
  if (digest === undefined) {
    digest = hash("sha256", text, "hex");
    if (chars + text.length > MAX_CHARS) {
      known.clear();
      chars = 0;
    }
    known.set(text, digest);
    chars += text.length;
  }
  return digest;
}

/** How much is remembered (for tests: it stays within its budget). */
export const remembered = (): { texts: number; chars: number } => ({ texts: known.size, chars });
