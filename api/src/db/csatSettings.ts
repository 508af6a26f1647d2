/** csat_settings' statements for a change of settings, in the caller's transaction. */
import type { Queryable } from "./client.js";

export interface CsatSettingsRow {
  enabled: boolean;
  delayMinutes: number;
  /** 0 keeps everything; otherwise comments and customer contact data older than this are erased. */
  retentionDays: number;
  /** 0 = off; otherwise one reminder email this many days after dispatch while unanswered. */
  reminderAfterDays: number;
}

/** The workspace's settings, created with their defaults when missing, locked until the transaction ends. */
export async function lockCsatSettings(tx: Queryable, workspaceId: string, now: Date): Promise<CsatSettingsRow> {
  await tx.query("INSERT INTO csat_settings (workspace_id, updated_at) VALUES ($1::uuid, $2) ON CONFLICT (workspace_id) DO NOTHING", [
    workspaceId,
    now,
  ]);
  const [row] = await tx.query<CsatSettingsRow>(
    `SELECT enabled, delay_minutes AS "delayMinutes", retention_days AS "retentionDays",
            reminder_after_days AS "reminderAfterDays"
     FROM csat_settings WHERE workspace_id = $1::uuid FOR UPDATE`,
    [workspaceId],
  );
  return row!;
}

export async function updateCsatSettings(tx: Queryable, workspaceId: string, values: CsatSettingsRow, now: Date): Promise<void> {
  await tx.query(
    `UPDATE csat_settings SET enabled = $2, delay_minutes = $3, retention_days = $4, reminder_after_days = $5, updated_at = $6
     WHERE workspace_id = $1::uuid`,
    [workspaceId, values.enabled, values.delayMinutes, values.retentionDays, values.reminderAfterDays, now],
  );
}
