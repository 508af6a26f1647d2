import type { Queryable } from "./client.js";

/** A queue as a scrape sees it: items waiting (counted up to a cap) and the oldest due item's age. */
export interface QueueState {
  depth: number;
  oldestDueAgeSeconds: number | null;
}

/**
 * The email outbox: emails not yet sent (PENDING, or SENDING under a sender's lease), counted up to
 * `cap`, and how long the oldest one that is due has waited. Two index reads on
 * email_outbox(state, next_attempt_at), whatever the table's size.
 */
export async function outboxQueue(db: Queryable, now: Date, cap: number): Promise<QueueState> {
  const [row] = await db.query<{ depth: number; oldestDue: Date | null }>(
    `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM email_outbox WHERE state IN ('PENDING', 'SENDING') LIMIT $2) q) AS depth,
            (SELECT min(next_attempt_at) FROM email_outbox WHERE state IN ('PENDING', 'SENDING') AND next_attempt_at <= $1) AS "oldestDue"`,
    [now, cap],
  );
  return state(row, now);
}

/**
 * The survey schedule: SCHEDULED surveys (not held by a reopen) whose time has come but that no
 * scheduler has dispatched yet, counted up to `cap`, and the oldest one's wait. Index reads on
 * csat_survey(state, due_at).
 */
export async function surveyScheduleQueue(db: Queryable, now: Date, cap: number): Promise<QueueState> {
  const [row] = await db.query<{ depth: number; oldestDue: Date | null }>(
    `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM csat_survey WHERE state = 'SCHEDULED' AND NOT on_hold AND due_at <= $1 LIMIT $2) q) AS depth,
            (SELECT min(due_at) FROM csat_survey WHERE state = 'SCHEDULED' AND NOT on_hold AND due_at <= $1) AS "oldestDue"`,
    [now, cap],
  );
  return state(row, now);
}

/**
 * Outgoing webhook deliveries still PENDING, counted up to `cap`, and how long the oldest due one
 * has waited. Index reads on webhook_delivery(state, next_attempt_at).
 */
export async function webhookQueue(db: Queryable, now: Date, cap: number): Promise<QueueState> {
  const [row] = await db.query<{ depth: number; oldestDue: Date | null }>(
    `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM webhook_delivery WHERE state = 'PENDING' LIMIT $2) q) AS depth,
            (SELECT min(next_attempt_at) FROM webhook_delivery WHERE state = 'PENDING' AND next_attempt_at <= $1) AS "oldestDue"`,
    [now, cap],
  );
  return state(row, now);
}

function state(row: { depth: number; oldestDue: Date | string | null } | undefined, now: Date): QueueState {
  const oldest = row?.oldestDue ? new Date(row.oldestDue).getTime() : null;
  return { depth: row?.depth ?? 0, oldestDueAgeSeconds: oldest === null ? null : Math.max(0, (now.getTime() - oldest) / 1000) };
}
