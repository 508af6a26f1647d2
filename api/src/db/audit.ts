import type { Queryable } from "./client.js";

/** One audit entry, as services write it inside their own transaction. */
export interface NewAuditEntry {
  workspaceId: string;
  action: string;
  actorId: string | null;
  apiKeyId: string | null;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  createdAt: Date;
}

export async function insertAuditEntry(tx: Queryable, entry: NewAuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit_entry (workspace_id, action, actor_id, api_key_id, before, after, created_at)
     VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5::jsonb, $6::jsonb, $7)`,
    [entry.workspaceId, entry.action, entry.actorId, entry.apiKeyId, JSON.stringify(entry.before), JSON.stringify(entry.after), entry.createdAt],
  );
}
