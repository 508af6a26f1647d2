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
