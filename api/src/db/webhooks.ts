/**
 * Outgoing webhooks' statements: the deliveries written beside the event that causes them (inside
 * the caller's own statement where it can be, so a workspace with no endpoint costs nothing more),
 * and the sender's claim with a lease, its records and the admin's listing.
 */
import type { WebhookDeliveryState } from "../generated/prisma/enums.js";
import type { Queryable } from "./client.js";

/** The events an endpoint may ask for. */
export const WEBHOOK_EVENTS = ["csat.survey.dispatched", "csat.response.created", "csat.followup.opened"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * The `data` of a survey's events, from a csat_survey row (or a RETURNING of one) aliased `s`.
 * The one place that says what a survey event carries: a new field is one line here.
 */
const SURVEY_EVENT_DATA = `jsonb_build_object(
    'surveyId', s.id,
    'conversationId', s.conversation_id,
    'score', s.score::int,
    'comment', s.comment,
    'bot', (SELECT jsonb_build_object('id', b.id, 'name', b.name) FROM bot b WHERE b.id = s.bot_id),
    'channel', (SELECT jsonb_build_object('id', c.id, 'name', c.name, 'kind', c.kind) FROM channel c WHERE c.id = s.channel_id),
    'teammate', (SELECT jsonb_build_object('id', t.id, 'name', t.name) FROM teammate t WHERE t.id = s.teammate_id),
    'locale', s.locale,
    'reason', s.reason
  )`;

/** The body POSTed: {"type", "timestamp", "data"} (the Standard Webhooks shape). */
const body = (event: string, at: string, data: string) =>
  `jsonb_build_object('type', ${event}, 'timestamp', to_char(${at}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', ${data})`;

/**
 * An INSERT (to sit in a WITH of the caller's statement) writing `event` for each survey row of
 * `source` (a CTE with csat_survey's columns) to every enabled endpoint of its workspace that asked
 * for it; `at` is the SQL of the event's time (a parameter), `requestId` the SQL of the id of the
 * request that caused it (by default the survey's own: the resolve that made it). No endpoint, no row.
 */
export function surveyEventsInsert(source: string, event: WebhookEvent, at: string, requestId = "s.request_id"): string {
  return `INSERT INTO webhook_delivery (endpoint_id, workspace_id, event, subject_id, payload, created_at, next_attempt_at, request_id)
      SELECT e.id, e.workspace_id, '${event}', s.id, ${body(`'${event}'`, at, SURVEY_EVENT_DATA)}, ${at}, ${at}, ${requestId}
      FROM ${source} s JOIN webhook_endpoint e ON e.workspace_id = s.workspace_id AND e.enabled AND '${event}' = ANY(e.events)
      ON CONFLICT (endpoint_id, event, subject_id) DO NOTHING`;
}

/**
 * An INSERT (to sit in a WITH of the caller's statement) writing `csat.followup.opened` for each
 * follow-up row of `followUps` (a CTE with id, survey_id, owner_id) whose survey is in `surveys` (a
 * CTE with csat_survey's columns), keyed by the follow-up; its data is the survey's plus the
 * follow-up's id and owner; `requestId` is the SQL of the id of the request that opened it. No
 * endpoint, no row.
 */
export function followUpEventsInsert(followUps: string, surveys: string, at: string, requestId: string): string {
  const event: WebhookEvent = "csat.followup.opened";
  const data = `${SURVEY_EVENT_DATA} || jsonb_build_object('followUpId', f.id, 'ownerId', f.owner_id)`;
  return `INSERT INTO webhook_delivery (endpoint_id, workspace_id, event, subject_id, payload, created_at, next_attempt_at, request_id)
      SELECT e.id, e.workspace_id, '${event}', f.id, ${body(`'${event}'`, at, data)}, ${at}, ${at}, ${requestId}
      FROM ${followUps} f JOIN ${surveys} s ON s.id = f.survey_id
      JOIN webhook_endpoint e ON e.workspace_id = s.workspace_id AND e.enabled AND '${event}' = ANY(e.events)
      ON CONFLICT (endpoint_id, event, subject_id) DO NOTHING`;
}

/** A delivery claimed for sending, with its endpoint's address and sealed secret. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  event: string;
  url: string;
  secretSealed: string;
  /** The body exactly as it is POSTed, on every attempt. */
  body: string;
  attempts: number;
  createdAt: Date;
  /** The id of the request that caused the event, if it came from one (its log lines name it as causedBy). */
  requestId: string | null;
}

/**
 * Claims up to `max` due deliveries (PENDING, due, and not leased or their lease ran out): each
 * gets a lease until `leaseUntil` and its attempt counted, committed before anything is POSTed, so
 * a sender that dies after the claim lets them go when the lease passes.
 */
export async function claimDeliveries(db: Queryable, now: Date, leaseUntil: Date, max: number): Promise<ClaimedDelivery[]> {
  return db.query<ClaimedDelivery>(
    `WITH claimed AS (
       UPDATE webhook_delivery d SET attempts = attempts + 1, locked_until = $2, last_attempt_at = $1
       WHERE id IN (
         SELECT id FROM webhook_delivery
         WHERE state = 'PENDING' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
         ORDER BY next_attempt_at LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING d.id, d.endpoint_id, d.event, d.payload, d.attempts, d.created_at, d.request_id)
     SELECT c.id, c.endpoint_id AS "endpointId", c.event, e.url, e.secret_sealed AS "secretSealed", c.payload::text AS body,
            c.attempts, c.created_at AS "createdAt", c.request_id AS "requestId"
     FROM claimed c JOIN webhook_endpoint e ON e.id = c.endpoint_id
     ORDER BY c.created_at, c.id`,
    [now, leaseUntil, max],
  );
}

/** Delivered (a 2xx): SUCCEEDED once, its body dropped. False when it was not ours to record any more. */
export async function markDelivered(db: Queryable, id: string, status: number, at: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE webhook_delivery SET state = 'SUCCEEDED', response_status = $2, delivered_at = $3, locked_until = NULL, last_error = NULL, payload = NULL
     WHERE id = $1::uuid AND state = 'PENDING' RETURNING id`,
    [id, status, at],
  );
  return rows.length > 0;
}

/** A failed attempt, tried again at `nextAttemptAt`. */
export async function markAttemptFailed(db: Queryable, id: string, failure: { status: number | null; error: string }, nextAttemptAt: Date): Promise<void> {
  await db.query(
    `UPDATE webhook_delivery SET response_status = $2, last_error = $3, next_attempt_at = $4, locked_until = NULL
     WHERE id = $1::uuid AND state = 'PENDING'`,
    [id, failure.status, failure.error, nextAttemptAt],
  );
}

/** Given up (a day of tries): FAILED, its body dropped. */
export async function markGivenUp(db: Queryable, id: string, failure: { status: number | null; error: string }): Promise<void> {
  await db.query(
    `UPDATE webhook_delivery SET state = 'FAILED', response_status = $2, last_error = $3, locked_until = NULL, payload = NULL
     WHERE id = $1::uuid AND state = 'PENDING'`,
    [id, failure.status, failure.error],
  );
}

/** Handed back untried or unanswered (the process is stopping): the attempt is not counted, and it goes at once elsewhere. */
export async function releaseDelivery(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE webhook_delivery SET locked_until = NULL, next_attempt_at = $2, attempts = greatest(attempts - 1, 0)
     WHERE id = $1::uuid AND state = 'PENDING'`,
    [id, at],
  );
}

export interface WebhookDeliveryRow {
  id: string;
  event: string;
  state: WebhookDeliveryState;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  /** Null unless PENDING. */
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/** An endpoint's deliveries, newest first. */
export async function listDeliveries(db: Queryable, workspaceId: string, endpointId: string, first: number): Promise<WebhookDeliveryRow[]> {
  return db.query<WebhookDeliveryRow>(
    `SELECT id, event, state::text AS state, attempts, response_status AS "responseStatus", last_error AS "lastError",
            created_at AS "createdAt", last_attempt_at AS "lastAttemptAt",
            CASE WHEN state = 'PENDING' THEN next_attempt_at END AS "nextAttemptAt", delivered_at AS "deliveredAt"
     FROM webhook_delivery WHERE endpoint_id = $1::uuid AND workspace_id = $2::uuid
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [endpointId, workspaceId, first],
  );
}
