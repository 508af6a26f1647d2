import type { z } from "zod";
import { insertAuditEntry } from "../../db/audit.js";
import { lockCsatSettings, updateCsatSettings as writeCsatSettings, type CsatSettingsRow } from "../../db/csatSettings.js";
import { cancelScheduledSurveys, countScheduledSurveys } from "../../db/surveys.js";
import type { App } from "../../deps.js";
import { faultPoint } from "../../faults.js";
import type { Actor } from "../actors.js";
import { requireAdmin, requireMember } from "../actors.js";
import { csatSettingsInputSchema, parseInput } from "../validation.js";

export const SETTINGS_CHANGED = "Changed CSAT settings";

export type CsatSettingsValues = CsatSettingsRow;

export async function getCsatSettings(app: App, actor: Actor | null): Promise<CsatSettingsValues> {
  const member = requireMember(actor);
  const row = await app.prisma.csatSettings.findUnique({ where: { workspaceId: member.workspaceId } });
  return {
    enabled: row?.enabled ?? false,
    delayMinutes: row?.delayMinutes ?? 0,
    retentionDays: row?.retentionDays ?? 0,
    reminderAfterDays: row?.reminderAfterDays ?? 0,
  };
}

/** Surveys waiting for their dispatch in the actor's workspace: what switching CSAT off cancels. */
export async function scheduledSurveyCount(app: App, actor: Actor | null): Promise<number> {
  const member = requireMember(actor);
  return countScheduledSurveys(app.sql, member.workspaceId);
}

/**
 * Changes the settings and writes one audit entry in the same transaction; identical values write
 * nothing. Switching CSAT off cancels every survey still waiting for its dispatch.
 */
export async function updateCsatSettings(
  app: App,
  actor: Actor | null,
  input: z.input<typeof csatSettingsInputSchema>,
): Promise<CsatSettingsValues> {
  const admin = requireAdmin(actor);
  const changes = parseInput(csatSettingsInputSchema, input);
  const now = app.clock.now();
  return app.sql.transaction(async (tx) => {
    const before = await lockCsatSettings(tx, admin.workspaceId, now);
    const after: CsatSettingsValues = {
      enabled: changes.enabled ?? before.enabled,
      delayMinutes: changes.delayMinutes ?? before.delayMinutes,
      retentionDays: changes.retentionDays ?? before.retentionDays,
      reminderAfterDays: changes.reminderAfterDays ?? before.reminderAfterDays,
    };
    if (
      after.enabled === before.enabled &&
      after.delayMinutes === before.delayMinutes &&
      after.retentionDays === before.retentionDays &&
      after.reminderAfterDays === before.reminderAfterDays
    ) {
      return before;
    }
    await writeCsatSettings(tx, admin.workspaceId, after, now);
    faultPoint("settings:mid-transaction");
    await insertAuditEntry(tx, {
      workspaceId: admin.workspaceId,
      action: SETTINGS_CHANGED,
      actorId: admin.kind === "teammate" ? admin.teammateId : null,
      apiKeyId: admin.kind === "apiKey" ? admin.apiKeyId : null,
      before: { ...before },
      after: { ...after },
      createdAt: now,
    });
    if (before.enabled && !after.enabled) await cancelScheduledSurveys(tx, admin.workspaceId, now);
    return after;
  });
}
