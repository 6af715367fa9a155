import { hash } from "node:crypto";

/** What the remembered texts may weigh, in characters, each counted with its digest and map slot. */
export const MAX_CHARS = 4 * 2 ** 20;
const ENTRY_OVERHEAD = 128;
/** Texts outside these lengths are hashed every time: short ones cost little, long ones would crowd out the rest. */
const MIN_TEXT = 64;
const MAX_TEXT = 64 * 1024;

const known = new Map<string, string>();
let weight = 0;

/**
 * The SHA-256 of a query text, in hex, remembered for the queries seen lately: every cache hit hashes its
 * query, and the same few queries come again and again. For query texts only (no variables, no user
 * ids: nothing of a caller's is kept); started over when full, so a flood of new texts costs no more.
 */
export function querySha256(text: string): string {
  let digest = known.get(text);
  if (digest === undefined) {
    digest = hash("sha256", text, "hex");
    if (text.length < MIN_TEXT || text.length > MAX_TEXT) return digest;
    if (weight + text.length + ENTRY_OVERHEAD > MAX_CHARS) {
      known.clear();
      weight = 0;
    }
    known.set(text, digest);
    weight += text.length + ENTRY_OVERHEAD;
  }
  return digest;
}

/** How much is remembered (for tests: it stays within its budget). */
export const remembered = (): { texts: number; weight: number } => ({ texts: known.size, weight });
