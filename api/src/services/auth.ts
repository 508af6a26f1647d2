import { findApiKeyByHash, findSessionByHash, findVisitorByHash } from "../db/credentials.js";
import { DomainError, rateLimited } from "../errors.js";
import { publishRevocation } from "../pubsub.js";
import { TokenPrefix, hashPassword, needsRehash, newSecret, sha256, verifyPassword } from "../tokens.js";
import { requireTeammate, type Actor } from "./actors.js";
import type { App, Tx } from "../deps.js";
import { emailSchema, parseInput } from "./validation.js";

const SESSION_DAYS = 30;

/**
 * Finds who a bearer secret belongs to. `undefined` for no secret; `null` for a secret that is
 * unknown, expired or revoked.
 */
export async function authenticate(app: App, secret: string | undefined): Promise<Actor | null | undefined> {
  if (!secret) return undefined;
  const tokenHash = sha256(secret);
  const now = app.clock.now();
  // Every authenticated request starts here, so these go straight to the driver (see db/client.ts: Sql).
  if (secret.startsWith(TokenPrefix.Session)) {
    const session = await findSessionByHash(app.sql, tokenHash);
    if (!session || session.revokedAt || session.expiresAt <= now) return null;
    return { kind: "teammate", workspaceId: session.workspaceId, teammateId: session.teammateId, role: session.role, sessionId: session.id };
  }
  if (secret.startsWith(TokenPrefix.ApiKey)) {
    const key = await findApiKeyByHash(app.sql, tokenHash, now);
    if (!key || key.revokedAt) return null;
    return { kind: "apiKey", workspaceId: key.workspaceId, apiKeyId: key.id, role: key.role };
  }
  if (secret.startsWith(TokenPrefix.Visitor)) {
    const visitor = await findVisitorByHash(app.sql, tokenHash);
    if (!visitor) return null;
    return { kind: "visitor", workspaceId: visitor.workspaceId, conversationId: visitor.conversationId };
  }
  return null;
}

/** Reads `Authorization: Bearer <secret>`; anything else is no secret. */
export function bearerSecret(header: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export async function createSession(tx: Tx, teammateId: string, now: Date): Promise<string> {
  const token = newSecret(TokenPrefix.Session);
  await tx.session.create({
    data: { teammateId, tokenHash: sha256(token), expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000) },
  });
  return token;
}

/**
 * Email and password to a session. Failures slow down per account and address: after a few, each
 * further try from that address waits longer (RATE_LIMITED with retryAfter). Once an account has
 * failed many times from everywhere together (an attack spread over many addresses), every address
 * that has failed on it waits as well. An address with no failure on the account is never slowed by
 * it, so failing on purpose cannot lock a teammate out. A hash made with older scrypt parameters is
 * replaced on a successful sign-in.
 */
export async function signIn(app: App, input: { email: string; password: string }, from: { ip: string }) {
  const email = parseInput(emailSchema, input.email);
  const { signInFailures, signInAccountFailures } = app.limits;
  const failures = `${email}|${from.ip}`;
  const here = await signInFailures.check(failures);
  if (!here.decision.ok) throw rateLimited(here.decision.retryAfterSeconds);
  if (here.failures > 0) {
    const everywhere = await signInAccountFailures.check(email);
    if (!everywhere.decision.ok) throw rateLimited(everywhere.decision.retryAfterSeconds);
  }
  const teammate = await app.prisma.teammate.findUnique({ where: { email } });
  // Hash even for an unknown email, at today's cost, so timing does not tell which emails exist.
  const ok = await verifyPassword(input.password, teammate?.passwordHash ?? (await dummyHash(app.config.scryptLogN)));
  if (!teammate || !ok) {
    await Promise.all([signInFailures.fail(failures), signInAccountFailures.fail(email)]);
    throw new DomainError("UNAUTHENTICATED", "Wrong email or password");
  }
  await signInFailures.clear(failures);
  if (!teammate.active) throw new DomainError("UNAUTHENTICATED", "This account has been deactivated; ask an admin of your workspace");
  if (needsRehash(teammate.passwordHash, app.config.scryptLogN)) {
    const passwordHash = await hashPassword(input.password, app.config.scryptLogN);
    // Only over the hash just checked: a password changed meanwhile is not overwritten.
    await app.prisma.teammate.updateMany({ where: { id: teammate.id, passwordHash: teammate.passwordHash }, data: { passwordHash } });
  }
  const token = await app.prisma.$transaction((tx) => createSession(tx, teammate.id, app.clock.now()));
  return { token, teammate };
}

const dummies = new Map<number, Promise<string>>();
function dummyHash(logN: number) {
  let dummy = dummies.get(logN);
  if (!dummy) dummies.set(logN, (dummy = hashPassword("not a password anyone has", logN)));
  return dummy;
}

/** Ends the session that made the request; its open sockets close too (on every process). */
export async function signOut(app: App, actor: Actor | null): Promise<boolean> {
  requireTeammate(actor);
  await app.prisma.session.update({ where: { id: actor.sessionId }, data: { revokedAt: app.clock.now() } });
  publishRevocation(app.pubsub, { kind: "session", id: actor.sessionId });
  return true;
}

/**
 * Ends every session of a teammate and closes every socket they opened, on every process. For
 * whatever takes a teammate's access away (deactivation): call it after that change commits.
 */
export async function revokeTeammateCredentials(app: App, teammateId: string): Promise<void> {
  await app.prisma.session.updateMany({ where: { teammateId, revokedAt: null }, data: { revokedAt: app.clock.now() } });
  publishRevocation(app.pubsub, { kind: "teammate", id: teammateId });
}

export { hashPassword };
