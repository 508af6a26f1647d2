import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../deps.js";

/**
 * Outgoing webhooks' signing secrets at rest: sealed with AES-256-GCM under the server's key, the
 * endpoint's id bound in as associated data (a sealed secret copied to another row does not open).
 * The key is WEBHOOK_ENCRYPTION_KEY, else a key file made once in DATA_DIR (an in-memory database
 * gets a key for the process's life, as long as the database itself).
 */

const KEY_FILE = "webhook-secret.key";
const keys = new Map<string, Buffer>();

function serverKey(app: App): Buffer {
  if (app.config.webhookEncryptionKey) return app.config.webhookEncryptionKey;
  const dir = app.config.dataDir;
  let key = keys.get(dir);
  if (key) return key;
  key = dir === "memory://" ? randomBytes(32) : keyFile(dir);
  keys.set(dir, key);
  return key;
}

/** The key file in `dir`, made once: written aside and linked in, so racing processes all read the first one whole. */
function keyFile(dir: string): Buffer {
  const path = join(dir, KEY_FILE);
  try {
    return parseKeyFile(readFileSync(path, "utf8"), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dir, { recursive: true });
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(aside, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  try {
    linkSync(aside, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(aside);
  }
  return parseKeyFile(readFileSync(path, "utf8"), path);
}

function parseKeyFile(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key; restore it, or set WEBHOOK_ENCRYPTION_KEY`);
  return key;
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url) of `secret`, bound to `endpointId`. */
export function sealSecret(app: App, endpointId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", serverKey(app), iv);
  cipher.setAAD(Buffer.from(endpointId));
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), sealed.toString("base64url")].join(".");
}

/** The secret sealed for `endpointId`; throws when the key is not the one it was sealed with. */
export function openSecret(app: App, endpointId: string, sealed: string): string {
  const [version, iv, tag, text] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || text === undefined) throw new Error("not a sealed webhook secret");
  const decipher = createDecipheriv("aes-256-gcm", serverKey(app), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(endpointId));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(text, "base64url")), decipher.final()]).toString("utf8");
}
