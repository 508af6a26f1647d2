import type { z } from "zod";
import { insertAuditEntry } from "../../db/audit.js";
import { findCsatSettings, lockCsatSettings, updateCsatSettings as writeCsatSettings, type CsatSettingsRow } from "../../db/csatSettings.js";
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
  return findCsatSettings(app.sql, member.workspaceId);
}

/** The values after `changes`: every field not given keeps its value. */
function applyChanges(before: CsatSettingsValues, changes: z.output<typeof csatSettingsInputSchema>): CsatSettingsValues {
  const after = { ...before };
  for (const key of Object.keys(before) as (keyof CsatSettingsValues)[]) {
    const value = changes[key];
    if (value !== undefined && value !== null) (after as Record<string, unknown>)[key] = value;
  }
  return after;
}

const sameValues = (a: CsatSettingsValues, b: CsatSettingsValues) => JSON.stringify(a) === JSON.stringify(b);

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
    const after = applyChanges(before, changes);
    if (sameValues(after, before)) return before;
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
