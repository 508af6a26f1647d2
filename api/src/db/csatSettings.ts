/** csat_settings' statements for a change of settings, in the caller's transaction. */
import type { Queryable } from "./client.js";

export interface CsatSettingsRow {
  enabled: boolean;
  delayMinutes: number;
  /** 0 keeps everything; otherwise comments and customer contact data older than this are erased. */
  retentionDays: number;
  /** 0 = off; otherwise one reminder email this many days after dispatch while unanswered. */
  reminderAfterDays: number;
  defaultLocale: string;
  /** Custom wording per locale; every other locale keeps the built-in wording. */
  texts: CsatText[];
  excludeLabels: string[];
  cooldownDays: number;
  samplePercent: number;
  reasons: string[];
  reasonsAtOrBelow: number;
  followUpAtOrBelow: number;
}

export interface CsatText {
  locale: string;
  question: string;
  thankYou: string;
}

/** Every column of csat_settings but its keys, under the row's names. */
const SETTINGS_COLUMNS = `enabled, delay_minutes AS "delayMinutes", retention_days AS "retentionDays",
  reminder_after_days AS "reminderAfterDays", default_locale AS "defaultLocale", texts,
  coalesce(exclude_labels, '{}') AS "excludeLabels", cooldown_days AS "cooldownDays", sample_percent AS "samplePercent",
  coalesce(reasons, '{}') AS reasons, reasons_at_or_below AS "reasonsAtOrBelow", follow_up_at_or_below AS "followUpAtOrBelow"`;

/** The settings of a workspace that never saved any. */
export const DEFAULT_CSAT_SETTINGS: CsatSettingsRow = {
  enabled: false,
  delayMinutes: 0,
  retentionDays: 0,
  reminderAfterDays: 0,
  defaultLocale: "en",
  texts: [],
  excludeLabels: [],
  cooldownDays: 0,
  samplePercent: 100,
  reasons: [],
  reasonsAtOrBelow: 3,
  followUpAtOrBelow: 2,
};

/** The workspace's settings, or the defaults when it never saved any. */
export async function findCsatSettings(db: Queryable, workspaceId: string): Promise<CsatSettingsRow> {
  const [row] = await db.query<CsatSettingsRow>(`SELECT ${SETTINGS_COLUMNS} FROM csat_settings WHERE workspace_id = $1::uuid`, [workspaceId]);
  return row ?? { ...DEFAULT_CSAT_SETTINGS };
}

/** The workspace's settings, created with their defaults when missing, locked until the transaction ends. */
export async function lockCsatSettings(tx: Queryable, workspaceId: string, now: Date): Promise<CsatSettingsRow> {
  await tx.query("INSERT INTO csat_settings (workspace_id, updated_at) VALUES ($1::uuid, $2) ON CONFLICT (workspace_id) DO NOTHING", [
    workspaceId,
    now,
  ]);
  const [row] = await tx.query<CsatSettingsRow>(
    `SELECT ${SETTINGS_COLUMNS} FROM csat_settings WHERE workspace_id = $1::uuid FOR UPDATE`,
    [workspaceId],
  );
  return row!;
}

export async function updateCsatSettings(tx: Queryable, workspaceId: string, values: CsatSettingsRow, now: Date): Promise<void> {
  await tx.query(
    `UPDATE csat_settings SET enabled = $2, delay_minutes = $3, retention_days = $4, reminder_after_days = $5, updated_at = $6,
       default_locale = $7, texts = $8::jsonb, exclude_labels = $9::text[], cooldown_days = $10, sample_percent = $11,
       reasons = $12::text[], reasons_at_or_below = $13, follow_up_at_or_below = $14
     WHERE workspace_id = $1::uuid`,
    [
      workspaceId, values.enabled, values.delayMinutes, values.retentionDays, values.reminderAfterDays, now,
      values.defaultLocale, JSON.stringify(values.texts), values.excludeLabels, values.cooldownDays, values.samplePercent,
      values.reasons, values.reasonsAtOrBelow, values.followUpAtOrBelow,
    ],
  );
}
