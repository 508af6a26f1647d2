import type { Queryable } from "./client.js";
import { suppressedSql } from "./suppressions.js";

/** A survey email claimed for sending, as one item of a provider batch. */
export interface ClaimedEmail {
  id: string;
  surveyId: string;
  kind: "SURVEY" | "REMINDER";
  to: string;
  subject: string;
  html: string;
  text: string;
  attempts: number;
  /** SHA-256 of the survey token, for the unsubscribe link (null once erased). */
  tokenHash: string | null;
  /** The id of the request that caused the email (the survey's), if one did: the outbox's lines name it as causedBy. */
  requestId: string | null;
}

export interface ClaimedBatch {
  batchId: string;
  /** In the order they are sent: the same on every retry of the batch, so its body is the same. */
  emails: ClaimedEmail[];
  /** True when this is a retry of a batch whose sender died (or stopped) after claiming it. */
  retried: boolean;
}

const CLAIMED_COLUMNS = `o.id, o.survey_id AS "surveyId", o.kind, o."to", o.subject, o.html, o.text, o.attempts, o.request_id AS "requestId",
  (SELECT token_hash FROM csat_survey s WHERE s.id = o.survey_id) AS "tokenHash"`;

/** The token of a rating link in a kept copy, blanked out (as services/outbox.ts's redactSurveyToken). */
const redact = (column: string) => `regexp_replace(${column}, '/csat/[0-9a-f]{32}', '/csat/[token removed after sending]', 'g')`;

/**
 * Claims the next batch: first a batch whose lease ran out (its sender died after claiming it, maybe
 * after the provider accepted it), whole and in the same order, so it goes out again with the same
 * idempotency key and the same body; else up to `max` due emails under the new `batchId`. Before a
 * new batch is formed, due emails to suppressed addresses become SUPPRESSED and due reminders whose
 * survey no longer wants one become CANCELLED (their copies lose the token).
 */
export async function claimBatch(db: Queryable, now: Date, leaseUntil: Date, max: number, batchId: string): Promise<ClaimedBatch | null> {
  // One sender per expired batch: the advisory lock is held until this transaction commits the new lease.
  const [expired] = await db.query<{ batchId: string }>(
    `SELECT batch_id AS "batchId" FROM (
       SELECT DISTINCT batch_id FROM email_outbox
       WHERE batch_id IS NOT NULL AND ((state = 'SENDING' AND locked_until <= $1) OR (state = 'PENDING' AND next_attempt_at <= $1))
       LIMIT 10) b
     WHERE pg_try_advisory_xact_lock(hashtextextended('hydra-batch:' || batch_id::text, 0))
     LIMIT 1`,
    [now],
  );
  if (expired) {
    const emails = await db.query<ClaimedEmail>(
      `UPDATE email_outbox o SET state = 'SENDING', attempts = attempts + 1, locked_until = $3
       WHERE batch_id = $1::uuid AND ((state = 'SENDING' AND locked_until <= $2) OR (state = 'PENDING' AND next_attempt_at <= $2))
       RETURNING ${CLAIMED_COLUMNS}`,
      [expired.batchId, now, leaseUntil],
    );
    if (emails.length) return { batchId: expired.batchId, emails: emails.sort((a, b) => (a.id < b.id ? -1 : 1)), retried: true };
  }
  await db.query(
    `UPDATE email_outbox o SET state = 'SUPPRESSED', locked_until = NULL
     WHERE state = 'PENDING' AND next_attempt_at <= $1 AND ${suppressedSql("o")}`,
    [now],
  );
  await db.query(
    `UPDATE email_outbox o SET state = 'CANCELLED', locked_until = NULL, html = ${redact("o.html")}, text = ${redact("o.text")},
       last_error = 'Cancelled: the survey was answered, expired or cancelled first, or reminders were turned off'
     FROM csat_survey s LEFT JOIN csat_settings st ON st.workspace_id = s.workspace_id
     WHERE o.kind = 'REMINDER' AND o.state = 'PENDING' AND o.next_attempt_at <= $1 AND s.id = o.survey_id
       AND (s.state <> 'DISPATCHED' OR s.answered_at IS NOT NULL OR s.expires_at <= $1 OR coalesce(st.reminder_after_days, 0) = 0)`,
    [now],
  );
  const emails = await db.query<ClaimedEmail>(
    `UPDATE email_outbox o SET state = 'SENDING', attempts = attempts + 1, locked_until = $2, batch_id = $4::uuid
     WHERE id IN (
       SELECT id FROM email_outbox
       WHERE batch_id IS NULL AND ((state = 'PENDING' AND next_attempt_at <= $1) OR (state = 'SENDING' AND locked_until <= $1))
       ORDER BY next_attempt_at LIMIT $3
       FOR UPDATE SKIP LOCKED)
     RETURNING ${CLAIMED_COLUMNS}`,
    [now, leaseUntil, max, batchId],
  );
  if (!emails.length) return null;
  return { batchId, emails: emails.sort((a, b) => (a.id < b.id ? -1 : 1)), retried: false };
}

/** Moves emails into another batch (a refused batch split in two), recorded before it is sent. */
export async function rebatch(db: Queryable, ids: string[], batchId: string, leaseUntil: Date): Promise<void> {
  await db.query(`UPDATE email_outbox SET batch_id = $2::uuid, locked_until = $3 WHERE id = ANY($1::uuid[]) AND state = 'SENDING'`, [ids, batchId, leaseUntil]);
}

/** Renews the lease of a batch still being worked on (waiting for the provider's allowance). */
export async function renewLease(db: Queryable, batchId: string, leaseUntil: Date): Promise<void> {
  await db.query(`UPDATE email_outbox SET locked_until = $2 WHERE batch_id = $1::uuid AND state = 'SENDING'`, [batchId, leaseUntil]);
}

/** A locale's reminder subject as the words before and after the survey email's own subject. */
export interface ReminderSubject {
  locale: string;
  prefix: string;
  suffix: string;
}

/**
 * Records emails the provider accepted: SENT with its id, and the kept copy loses the survey token.
 * Written only while still SENDING (an erasure meanwhile cancels and blanks a row, not to be written
 * over). A survey email whose workspace asks for reminders gets its one reminder row here, due that
 * many days after dispatch, from the copy that still holds the link (unique per survey and kind).
 */
export async function markSent(
  db: Queryable,
  sent: { id: string; providerId: string }[],
  at: Date,
  reminderSubjects: ReminderSubject[] = [],
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `WITH accepted AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS a(id, provider_id)),
     reminders AS (
       INSERT INTO email_outbox (workspace_id, survey_id, kind, "to", subject, html, text, state, created_at, next_attempt_at, request_id)
       SELECT o.workspace_id, o.survey_id, 'REMINDER', o."to", left(coalesce(r.prefix, 'Reminder: ') || o.subject || coalesce(r.suffix, ''), 200),
              o.html, o.text, 'PENDING', $3, s.dispatched_at + make_interval(days => st.reminder_after_days), o.request_id
       FROM email_outbox o
       JOIN accepted a ON a.id = o.id
       JOIN csat_survey s ON s.id = o.survey_id
       LEFT JOIN unnest($4::text[], $5::text[], $6::text[]) AS r(locale, prefix, suffix) ON r.locale = s.locale
       JOIN csat_settings st ON st.workspace_id = o.workspace_id
       WHERE o.kind = 'SURVEY' AND o.state = 'SENDING' AND st.reminder_after_days > 0 AND s.dispatched_at IS NOT NULL
       ON CONFLICT (survey_id, kind) DO NOTHING
     )
     UPDATE email_outbox o SET state = 'SENT', sent_at = $3, provider_id = a.provider_id, locked_until = NULL, last_error = NULL,
       delivery = 'ACCEPTED', delivery_at = $3, html = ${redact("o.html")}, text = ${redact("o.text")}
     FROM accepted a
     WHERE o.id = a.id AND o.state = 'SENDING'
     RETURNING o.id`,
    [
      sent.map((s) => s.id), sent.map((s) => s.providerId), at,
      reminderSubjects.map((r) => r.locale), reminderSubjects.map((r) => r.prefix), reminderSubjects.map((r) => r.suffix),
    ],
  );
  return rows.length;
}

/**
 * A failed attempt to be tried again at `nextAttemptAt` (attempt counted). The emails keep their
 * batch: the provider may have taken it after all (no answer in time), and the retry must repeat the
 * same key and body.
 */
export async function markRetry(db: Queryable, ids: string[], lastError: string, nextAttemptAt: Date): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET state = 'PENDING', locked_until = NULL, last_error = $2, next_attempt_at = $3
     WHERE id = ANY($1::uuid[]) AND state = 'SENDING'`,
    [ids, lastError, nextAttemptAt],
  );
}

/** Failed for good (refused by the provider, an invalid address, or out of attempts). */
export async function markFailed(db: Queryable, ids: string[], lastError: string): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET state = 'FAILED', locked_until = NULL, batch_id = NULL, last_error = $2 WHERE id = ANY($1::uuid[]) AND state = 'SENDING'`,
    [ids, lastError],
  );
}

/**
 * Hands a batch back untried or unanswered (a stop): its attempt is not counted, and any process
 * sends it at once. It keeps its batch id: it may have reached the provider, and the retry repeats
 * the same idempotency key.
 */
export async function releaseBatch(db: Queryable, ids: string[], lastError: string | null, at: Date): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET state = 'PENDING', locked_until = NULL, next_attempt_at = $2, attempts = greatest(attempts - 1, 0),
       last_error = coalesce($3, last_error)
     WHERE id = ANY($1::uuid[]) AND state = 'SENDING'`,
    [ids, at, lastError],
  );
}

/** Delivery states by how much they say: an event never replaces one that says more. */
const DELIVERY_RANK = `CASE d WHEN 'ACCEPTED' THEN 0 WHEN 'DELAYED' THEN 1 WHEN 'DELIVERED' THEN 2 WHEN 'BOUNCED' THEN 3 WHEN 'COMPLAINED' THEN 4 ELSE -1 END`;
const rank = (expr: string) => DELIVERY_RANK.replace(/\bd\b/, `${expr}::text`);

export type EmailDeliveryState = "ACCEPTED" | "DELIVERED" | "DELAYED" | "BOUNCED" | "COMPLAINED";

/**
 * Applies one provider event, once per event id: records the event and moves the email's delivery
 * state forward. Returns the email it concerns (workspace and address), or null when the event was
 * seen before or concerns no email of ours.
 */
export async function recordDeliveryEvent(
  db: Queryable,
  event: { id: string; type: string; providerId: string; delivery: EmailDeliveryState },
  at: Date,
): Promise<{ workspaceId: string; to: string } | null> {
  const fresh = await db.query(
    `INSERT INTO email_event (id, type, provider_id, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [event.id, event.type, event.providerId, at],
  );
  if (!fresh.length) return null;
  const [email] = await db.query<{ workspaceId: string; to: string }>(
    `UPDATE email_outbox o SET
       delivery = CASE WHEN ${rank("$2")} > ${rank("o.delivery")} THEN $2::text::"EmailDelivery" ELSE o.delivery END,
       delivery_at = CASE WHEN ${rank("$2")} > ${rank("o.delivery")} THEN $3 ELSE o.delivery_at END
     WHERE provider_id = $1
     RETURNING workspace_id AS "workspaceId", "to"`,
    [event.providerId, event.delivery, at],
  );
  return email ?? null;
}

/** The delivery state of each survey's own email (not its reminder). */
export async function surveyDeliveries(db: Queryable, surveyIds: readonly string[]): Promise<Map<string, EmailDeliveryState | null>> {
  const rows = await db.query<{ surveyId: string; delivery: EmailDeliveryState | null }>(
    `SELECT survey_id AS "surveyId", delivery FROM email_outbox WHERE survey_id = ANY($1::uuid[]) AND kind = 'SURVEY'`,
    [surveyIds],
  );
  return new Map(rows.map((r) => [r.surveyId, r.delivery]));
}

/** Surveys dispatched in [from, to) whose email bounced (a report's figure apart from the rates). */
export async function countBouncedSurveys(db: Queryable, workspaceId: string, from: Date | null, to: Date | null): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM email_outbox o JOIN csat_survey s ON s.id = o.survey_id
     WHERE o.workspace_id = $1::uuid AND o.kind = 'SURVEY' AND o.delivery = 'BOUNCED'
       AND ($2::timestamptz IS NULL OR s.dispatched_at >= $2) AND ($3::timestamptz IS NULL OR s.dispatched_at < $3)`,
    [workspaceId, from, to],
  );
  return row?.n ?? 0;
}
