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

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keylen, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(key, expected);
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
