import { createHash } from "node:crypto";
import type { CsatSkipReason } from "../../generated/prisma/enums.js";
import type { App } from "../../deps.js";
import type { Queryable } from "../../db/client.js";
import { lockCustomerForSurvey, surveyedSince, type LockedConversation } from "../../db/conversations.js";

const DAY_MS = 86_400_000;

/**
 * Whether a conversation falls in the sampled share (`percent` of 100). Decided by its id alone, so
 * a retry, a race or a second process decides the same way.
 */
export function sampledIn(conversationId: string, percent: number): boolean {
  if (percent >= 100) return true;
  const bucket = createHash("sha256").update(conversationId).digest().readUInt32BE(0) % 100;
  return bucket < percent;
}

/** What the rules decided for a first resolve: why it makes no survey (null: it makes one). */
export interface SurveyDecision {
  skipReason: CsatSkipReason | null;
  /** Whether the customer's widget is open, when the rules had to ask (so dispatch need not ask again). */
  widgetOpen?: boolean;
}

/**
 * The survey rules, applied at a conversation's first resolve (in its transaction `tx`, with the
 * conversation row locked), cheapest first: CSAT off, the teammate's skip, an excluded label,
 * sampling, a suppressed address that is the only way to reach the customer, then the cooldown.
 * Only a rule that is on costs anything beyond the row already read: the suppression check asks
 * whether the widget is open only for a suppressed address, and the cooldown (when on) takes a
 * per-customer lock and looks for a recent survey, so racing resolves of one customer's
 * conversations make one survey between them.
 */
export async function decideSurvey(
  tx: Queryable,
  app: App,
  row: LockedConversation,
  options: { skip: boolean },
  now: Date,
): Promise<SurveyDecision> {
  if (!row.csatEnabled) return { skipReason: "CSAT_OFF" };
  if (options.skip) return { skipReason: "SKIPPED_BY_TEAMMATE" };
  if (row.excludeLabels.length > 0 && row.labels.some((label) => row.excludeLabels.includes(label))) return { skipReason: "EXCLUDED_LABEL" };
  if (!sampledIn(row.id, row.samplePercent)) return { skipReason: "SAMPLED_OUT" };
  let widgetOpen: boolean | undefined;
  if (row.customerEmail !== null && row.emailSuppressed) {
    // The widget may still ask: now, when the survey goes at once; later, if the conversation has one.
    const widgetMayAsk = (row.csatDelayMinutes ?? 0) === 0 ? (widgetOpen = await app.presence.isOpen(row.id)) : row.hasVisitor;
    if (!widgetMayAsk) return { skipReason: "SUPPRESSED_EMAIL" };
  }
  if (row.cooldownDays > 0) {
    await lockCustomerForSurvey(tx, row.workspaceId, row.customerEmail ? `email:${row.customerEmail}` : `customer:${row.customerId}`);
    const since = new Date(now.getTime() - row.cooldownDays * DAY_MS);
    if (await surveyedSince(tx, row.workspaceId, { id: row.customerId, email: row.customerEmail }, since)) return { skipReason: "COOLDOWN" };
  }
  return widgetOpen === undefined ? { skipReason: null } : { skipReason: null, widgetOpen };
}
