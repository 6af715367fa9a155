import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// scrypt from node:crypto: a memory-hard KDF with no native addon to build. The parameters are stored
// in each hash (`scrypt$<log2 N>$<r>$<p>$<salt>$<key>`), so raising the cost later keeps old hashes valid.
const KEY_LENGTH = 64;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

/**
 * The memory one hash holds while it runs (OpenSSL's scrypt: 128·r·(N+2) + 128·r·p bytes): 128 MiB at
 * cost 17, r 8. The hash slots (auth/hash-slots.ts) bound how many run at once, so this times
 * PASSWORD_HASH_CONCURRENCY is what hashing adds to a process; scrypt's maxmem is set to exactly it.
 */
export function scryptMemoryBytes(cost: number, r = BLOCK_SIZE, p = PARALLELISM): number {
  return 128 * r * (2 ** cost + 2) + 128 * r * p;
}

function derive(password: string, salt: Buffer, cost: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** cost;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: scryptMemoryBytes(cost, r, p) + 64 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, BLOCK_SIZE, PARALLELISM);
  return ["scrypt", cost, BLOCK_SIZE, PARALLELISM, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, cost, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !cost || !r || !p || !salt || !key) return false;
  // A stored hash cannot make this process allocate more than the strongest cost we configure (2^20, r 8).
  if (!(Number(cost) <= 20 && Number(r) <= BLOCK_SIZE && Number(p) <= PARALLELISM)) return false;
  const expected = Buffer.from(key, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), Number(cost), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing, verified when the email is unknown, so a wrong email takes as long as a wrong password. */
export function dummyHash(cost: number): Promise<string> {
  return hashPassword(randomBytes(16).toString("hex"), cost);
}
