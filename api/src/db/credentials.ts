import type { Queryable } from "./client.js";
import type { Role } from "../generated/prisma/enums.js";

export interface ApiKeyCredential {
  id: string;
  workspaceId: string;
  role: Role;
  revokedAt: Date | null;
}

/**
 * The API key whose secret hashes to `tokenHash`, read on every request it makes; the same
 * statement notes its use, at most once a minute per key, so `lastUsedAt` costs no extra round trip.
 */
export async function findApiKeyByHash(db: Queryable, tokenHash: string, now: Date): Promise<ApiKeyCredential | undefined> {
  const [key] = await db.query<ApiKeyCredential>(
    `WITH k AS (SELECT id, workspace_id, role, revoked_at, last_used_at FROM api_key WHERE token_hash = $1),
          used AS (
            UPDATE api_key SET last_used_at = $2::timestamptz FROM k
            WHERE api_key.id = k.id AND k.revoked_at IS NULL
              AND (k.last_used_at IS NULL OR k.last_used_at <= $2::timestamptz - interval '1 minute'))
     SELECT id, workspace_id AS "workspaceId", role::text AS role, revoked_at AS "revokedAt" FROM k`,
    [tokenHash, now],
  );
  return key;
}

export interface SessionCredential {
  id: string;
  expiresAt: Date;
  revokedAt: Date | null;
  teammateId: string;
  workspaceId: string;
  role: Role;
}

/**
 * The session whose secret hashes to `tokenHash`, with its teammate's workspace and role; read on
 * every request it makes. A deactivated teammate's sessions are not found.
 */
export async function findSessionByHash(db: Queryable, tokenHash: string): Promise<SessionCredential | undefined> {
  const [session] = await db.query<SessionCredential>(
    `SELECT s.id, s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt", t.id AS "teammateId", t.workspace_id AS "workspaceId",
            t.role::text AS role
     FROM session s JOIN teammate t ON t.id = s.teammate_id WHERE s.token_hash = $1 AND t.active`,
    [tokenHash],
  );
  return session;
}

export interface VisitorCredential {
  conversationId: string;
  workspaceId: string;
}

/** The conversation a widget's visitor token was made for. */
export async function findVisitorByHash(db: Queryable, tokenHash: string): Promise<VisitorCredential | undefined> {
  const [visitor] = await db.query<VisitorCredential>(
    `SELECT id AS "conversationId", workspace_id AS "workspaceId" FROM conversation WHERE visitor_token_hash = $1`,
    [tokenHash],
  );
  return visitor;
}
