import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Bearer secrets carry a prefix naming their kind, so one lookup finds the right table and a
 * leaked secret is recognisable. Survey tokens have none: the contract fixes them as 32 hex.
 */
export const TokenPrefix = {
  Session: "hcs_",
  ApiKey: "hck_",
  Visitor: "hcv_",
} as const;

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function newSecret(prefix: string): string {
  return prefix + randomBytes(24).toString("base64url");
}

/** 128 random bits as 32 lowercase hex characters. */
export function newSurveyToken(): string {
  return randomBytes(16).toString("hex");
}

export const SURVEY_TOKEN_PATTERN = /^[0-9a-f]{32}$/;

/** scrypt's default cost: N = 2^17, r = 8, p = 1 (OWASP's recommendation for scrypt). */
export const SCRYPT_LOG_N = 17;
const SCRYPT = { r: 8, p: 1, keylen: 32 };

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number }) {
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) stops at N = 2^14.
  const maxmem = 128 * opts.N * opts.r + 1024 * 1024;
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keylen, { ...opts, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url; N = 2^logN. */
export async function hashPassword(password: string, logN = SCRYPT_LOG_N): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** logN;
  const key = await scryptAsync(password, salt, SCRYPT.keylen, { N, r: SCRYPT.r, p: SCRYPT.p });
  return ["scrypt", N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Stored hashes this server accepts: scrypt with N a power of two up to 2^20, r ≤ 32, p ≤ 4. */
function parseHash(stored: string) {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== "scrypt" || !salt || !hash) return null;
  if (!Number.isInteger(Math.log2(params.N)) || params.N < 2 || params.N > 2 ** 20) return null;
  if (!Number.isInteger(params.r) || params.r < 1 || params.r > 32 || !Number.isInteger(params.p) || params.p < 1 || params.p > 4) return null;
  return { ...params, salt: Buffer.from(salt, "base64url"), hash: Buffer.from(hash, "base64url") };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || parsed.hash.length < 16) return false;
  const key = await scryptAsync(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(key, parsed.hash);
}

/** True when `stored` was made with other parameters than today's: rehash it at the next sign-in. */
export function needsRehash(stored: string, logN = SCRYPT_LOG_N): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.N !== 2 ** logN || parsed.r !== SCRYPT.r || parsed.p !== SCRYPT.p || parsed.hash.length !== SCRYPT.keylen;
}

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else can name no row, and is treated as an unknown id. */
export function isId(value: string): boolean {
  return UUID.test(value);
}

/**
 * Ids as the database writes them: a UUID in any case becomes lower-case, so an id typed in upper
 * case names the same row and the same pub/sub topic. Anything else is left as it is.
 */
export function normalizeId(value: string): string {
  return UUID.test(value) ? value.toLowerCase() : value;
}
