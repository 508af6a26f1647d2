/**
 * csat_survey's statements: creating a survey on a resolve, holding and resuming it, dispatching
 * with its email in the same statement, and the answer's compare-and-set. Each runs on the handle
 * it is given (`app.sql` or a transaction of it).
 */
import type { ChannelKind, CsatAnswerVia, EmailState, ResolvedVia } from "../generated/prisma/enums.js";
import type { CsatSurvey } from "../generated/prisma/client.js";
import type { Queryable } from "./client.js";
import { followUpEventsInsert, surveyEventsInsert } from "./webhooks.js";

/**
 * Every column of csat_survey under its Prisma field name. The key list after it fails the
 * typecheck when the model gains a field, as a reminder to add it here too.
 */
const SURVEY_COLUMNS = `id, workspace_id AS "workspaceId", conversation_id AS "conversationId", bot_id AS "botId", channel_id AS "channelId",
  state::text AS state, resolved_via::text AS "resolvedVia", on_hold AS "onHold", due_at AS "dueAt", dispatched_at AS "dispatchedAt",
  expires_at AS "expiresAt", token_hash AS "tokenHash", delivered_to_widget AS "deliveredToWidget", emailed, score::int AS score, comment,
  answered_at AS "answeredAt", answered_via::text AS "answeredVia", cancelled_at AS "cancelledAt", created_at AS "createdAt",
  teammate_id AS "teammateId", locale, reason, request_id AS "requestId"`;
const _surveyColumns = {
  id: 1, workspaceId: 1, conversationId: 1, botId: 1, channelId: 1, state: 1, resolvedVia: 1, onHold: 1, dueAt: 1, dispatchedAt: 1,
  expiresAt: 1, tokenHash: 1, deliveredToWidget: 1, emailed: 1, score: 1, comment: 1, answeredAt: 1, answeredVia: 1, cancelledAt: 1,
  createdAt: 1, teammateId: 1, locale: 1, reason: 1, requestId: 1,
} satisfies Record<keyof CsatSurvey, 1>;

/** The conversation a survey is made for, as its first resolve left it. */
export interface NewSurvey {
  workspaceId: string;
  conversationId: string;
  botId: string | null;
  channelId: string | null;
  resolvedVia: ResolvedVia;
  /** The resolve's request (App.requestId): the survey, its email and its events keep it for the workers' lines. */
  requestId: string | null;
}

/** A survey email as the outbox stores it. */
export interface OutboxEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

/** Creates the conversation's survey waiting SCHEDULED until `dueAt`; undefined when it has one already (the unique key decides). */
export async function insertScheduledSurvey(tx: Queryable, survey: NewSurvey, dueAt: Date, now: Date): Promise<CsatSurvey | undefined> {
  const [row] = await tx.query<CsatSurvey>(
    `INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, created_at, request_id)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, 'SCHEDULED', $5::"ResolvedVia", $6, $7, $8)
     ON CONFLICT (conversation_id) DO NOTHING
     RETURNING ${SURVEY_COLUMNS}`,
    [survey.workspaceId, survey.conversationId, survey.botId, survey.channelId, survey.resolvedVia, dueAt, now, survey.requestId],
  );
  return row;
}

/**
 * Creates the conversation's survey already DISPATCHED, and its email in the outbox (in state
 * `emailState`) when there is one, in one statement; undefined when it has a survey already.
 * `teammateId` is the teammate credited (the assignee, else who resolved it; null for no one).
 */
export async function insertDispatchedSurvey(
  tx: Queryable,
  survey: NewSurvey,
  dispatch: {
    tokenHash: string;
    expiresAt: Date;
    deliveredToWidget: boolean;
    email: OutboxEmail | null;
    emailState: EmailState;
    teammateId: string | null;
    locale: string;
  },
  now: Date,
): Promise<CsatSurvey | undefined> {
  const { email } = dispatch;
  const [row] = await tx.query<CsatSurvey>(
    `WITH survey AS (
      INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, created_at,
                               dispatched_at, expires_at, token_hash, delivered_to_widget, emailed, teammate_id, locale, request_id)
      VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, 'DISPATCHED', $5::"ResolvedVia", $6, $6, $6, $7, $8, $9, $10, $16::uuid, $17, $18)
      ON CONFLICT (conversation_id) DO NOTHING
      RETURNING *
    ), outbox AS (
      INSERT INTO email_outbox (workspace_id, survey_id, "to", subject, html, text, state, created_at, next_attempt_at, request_id)
      SELECT workspace_id, id, $11, $12, $13, $14, $15::"EmailState", $6, $6, request_id
      FROM survey WHERE $10
    ), webhooks AS (${surveyEventsInsert("survey", "csat.survey.dispatched", "$6")})
    SELECT ${SURVEY_COLUMNS} FROM survey`,
    [
      survey.workspaceId, survey.conversationId, survey.botId, survey.channelId, survey.resolvedVia,
      now, dispatch.expiresAt, dispatch.tokenHash, dispatch.deliveredToWidget, email !== null,
      email?.to ?? null, email?.subject ?? null, email?.html ?? null, email?.text ?? null, dispatch.emailState,
      dispatch.teammateId,
      dispatch.locale,
      survey.requestId,
    ],
  );
  return row;
}

/** A reopened conversation's survey still waiting for its dispatch waits on hold. */
export async function holdScheduledSurvey(tx: Queryable, conversationId: string): Promise<void> {
  await tx.query("UPDATE csat_survey SET on_hold = true WHERE conversation_id = $1 AND state = 'SCHEDULED'", [conversationId]);
}

/** The conversation's survey on hold, with its workspace's delay (null when no settings). */
export async function findHeldSurvey(tx: Queryable, conversationId: string): Promise<{ id: string; delayMinutes: number | null } | undefined> {
  const [held] = await tx.query<{ id: string; delayMinutes: number | null }>(
    `SELECT s.id, st.delay_minutes AS "delayMinutes" FROM csat_survey s LEFT JOIN csat_settings st ON st.workspace_id = s.workspace_id
     WHERE s.conversation_id = $1 AND s.state = 'SCHEDULED' AND s.on_hold`,
    [conversationId],
  );
  return held;
}

/** Takes a survey off hold, due at `dueAt`. */
export async function resumeHeldSurvey(tx: Queryable, surveyId: string, dueAt: Date): Promise<void> {
  await tx.query("UPDATE csat_survey SET on_hold = false, due_at = $2 WHERE id = $1", [surveyId, dueAt]);
}

/** What choosing a survey's language and wording needs: the customer's locale and the workspace's settings. */
export interface LanguageFacts {
  customerLocale: string | null;
  defaultLocale: string;
  texts: { locale: string; question: string; thankYou: string }[];
  reasons: string[];
  reasonsAtOrBelow: number;
}

/** The columns of LanguageFacts, from customer `cu` and csat_settings `st` (LEFT JOIN: defaults when none). */
export const LANGUAGE_COLUMNS = `cu.locale AS "customerLocale", coalesce(st.default_locale, 'en') AS "defaultLocale",
  coalesce(st.texts, '[]'::jsonb) AS texts, coalesce(st.reasons, '{}') AS reasons, coalesce(st.reasons_at_or_below, 3) AS "reasonsAtOrBelow"`;

/** What dispatching a survey needs to know besides its id. */
export interface DispatchFacts extends LanguageFacts {
  workspaceId: string;
  conversationId: string;
  workspaceName: string;
  email: string | null;
}

/** A SCHEDULED survey's dispatch facts; undefined when it is not SCHEDULED (any more). */
export async function findScheduledSurvey(tx: Queryable, surveyId: string): Promise<DispatchFacts | undefined> {
  const [facts] = await tx.query<DispatchFacts>(
    `SELECT s.workspace_id AS "workspaceId", s.conversation_id AS "conversationId", w.name AS "workspaceName", cu.email, ${LANGUAGE_COLUMNS}
     FROM csat_survey s
     JOIN workspace w ON w.id = s.workspace_id
     JOIN conversation c ON c.id = s.conversation_id
     JOIN customer cu ON cu.id = c.customer_id
     LEFT JOIN csat_settings st ON st.workspace_id = s.workspace_id
     WHERE s.id = $1 AND s.state = 'SCHEDULED'`,
    [surveyId],
  );
  return facts;
}

/** One survey's dispatch, decided before the statement. */
export interface PlannedDispatch {
  id: string;
  tokenHash: string;
  deliveredToWidget: boolean;
  /** The language the customer is asked in. */
  locale: string;
  /** Null when the customer has no address. */
  email: OutboxEmail | null;
}

/**
 * Dispatches those of `planned` still SCHEDULED, and writes their emails to the outbox, in one
 * statement for the whole batch (so the tally triggers run once). Each is credited, then and for
 * good, to its conversation's assignee at this moment, else to the teammate who resolved it (no
 * one after an API key's or MCP's resolve). Returns the ids it dispatched.
 */
export async function dispatchScheduledSurveys(
  tx: Queryable,
  planned: PlannedDispatch[],
  at: { now: Date; expiresAt: Date; emailState: EmailState },
): Promise<string[]> {
  const mailed = planned.flatMap((p) => (p.email ? [{ id: p.id, ...p.email }] : []));
  const dispatched = await tx.query<{ id: string }>(
    `WITH planned AS (
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::boolean[], $13::text[]) AS p(id, token_hash, widget_open, emailed, locale)
    ), dispatched AS (
      UPDATE csat_survey s
      SET state = 'DISPATCHED', dispatched_at = $5, expires_at = $6, token_hash = p.token_hash,
          delivered_to_widget = p.widget_open, emailed = p.emailed, on_hold = false,
          teammate_id = (SELECT coalesce(c.assignee_id, c.resolved_by_id) FROM conversation c WHERE c.id = s.conversation_id), locale = p.locale
      FROM planned p
      WHERE s.id = p.id AND s.state = 'SCHEDULED'
      RETURNING s.*
    ), webhooks AS (${surveyEventsInsert("dispatched", "csat.survey.dispatched", "$5")}
    ), outbox AS (
      INSERT INTO email_outbox (workspace_id, survey_id, "to", subject, html, text, state, created_at, next_attempt_at, request_id)
      SELECT d.workspace_id, d.id, e."to", e.subject, e.html, e.text, $7::"EmailState", $5, $5, d.request_id
      FROM dispatched d
      JOIN unnest($8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[]) AS e(id, "to", subject, html, text) ON e.id = d.id
    )
    SELECT id FROM dispatched`,
    [
      planned.map((p) => p.id), planned.map((p) => p.tokenHash), planned.map((p) => p.deliveredToWidget), planned.map((p) => p.email !== null),
      at.now, at.expiresAt, at.emailState,
      mailed.map((m) => m.id), mailed.map((m) => m.to), mailed.map((m) => m.subject), mailed.map((m) => m.html), mailed.map((m) => m.text),
      planned.map((p) => p.locale),
    ],
  );
  return dispatched.map((d) => d.id);
}

/** Cancels the workspace's surveys still waiting for their dispatch. */
/**
 * How many of the workspace's surveys wait for their dispatch (held ones too): what switching CSAT
 * off would cancel. Only undispatched rows have no dispatched_at, so the (workspace, dispatched_at)
 * index finds them without reading the workspace's answered history.
 */
export async function countScheduledSurveys(tx: Queryable, workspaceId: string): Promise<number> {
  const [row] = await tx.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM csat_survey WHERE workspace_id = $1::uuid AND dispatched_at IS NULL AND state = 'SCHEDULED'",
    [workspaceId],
  );
  return row?.count ?? 0;
}

export async function cancelScheduledSurveys(tx: Queryable, workspaceId: string, now: Date): Promise<void> {
  await tx.query("UPDATE csat_survey SET state = 'CANCELLED', cancelled_at = $2 WHERE workspace_id = $1::uuid AND state = 'SCHEDULED'", [
    workspaceId,
    now,
  ]);
}

/** An answered survey as the compare-and-set returns it, with its workspace's name, bot and channel. */
export interface AnsweredSurvey {
  id: string;
  workspaceId: string;
  conversationId: string;
  botId: string | null;
  channelId: string | null;
  score: number;
  comment: string | null;
  answeredAt: Date;
  answeredVia: CsatAnswerVia;
  dispatchedAt: Date;
  workspaceName: string;
  botName: string | null;
  botCreatedAt: Date | null;
  channelName: string | null;
  channelKind: ChannelKind | null;
  channelCreatedAt: Date | null;
  /** The follow-up the answer opened (a score at or below the workspace's followUpAtOrBelow), or null. */
  followUpId: string | null;
  followUpOwnerId: string | null;
}

/**
 * The answer's compare-and-set: stores it only on a DISPATCHED, unanswered, unexpired survey, and
 * returns what the answer's readers need in the same statement; undefined when it did not store.
 * A score at or below the workspace's `followUpAtOrBelow` (0 = off) opens the survey's follow-up,
 * owned by its credited teammate, in the same statement.
 */
export async function answerSurvey(
  db: Queryable,
  answer: { tokenHash: string; score: number; comment: string | null; answeredAt: Date; via: CsatAnswerVia; reason: string | null; requestId: string | null },
): Promise<AnsweredSurvey | undefined> {
  const [answered] = await db.query<AnsweredSurvey>(
    `WITH answered AS (
      UPDATE csat_survey
      SET state = 'SUBMITTED', score = $2, comment = $3, answered_at = $4, answered_via = $5::"CsatAnswerVia", reason = $6
      WHERE token_hash = $1 AND state = 'DISPATCHED' AND answered_at IS NULL AND expires_at > $4
      RETURNING *
    ), webhooks AS (${surveyEventsInsert("answered", "csat.response.created", "$4", "$7")}
    ), follow_up AS (
      INSERT INTO csat_follow_up (workspace_id, survey_id, status, owner_id, created_at, updated_at)
      SELECT a.workspace_id, a.id, 'OPEN', a.teammate_id, a.answered_at, a.answered_at
      FROM answered a LEFT JOIN csat_settings st ON st.workspace_id = a.workspace_id
      WHERE a.score <= coalesce(st.follow_up_at_or_below, 2)
      ON CONFLICT (survey_id) DO NOTHING
      RETURNING id, survey_id, owner_id
    ), follow_up_webhooks AS (${followUpEventsInsert("follow_up", "answered", "$4", "$7")})
    SELECT a.id, a.workspace_id AS "workspaceId", a.conversation_id AS "conversationId", a.bot_id AS "botId", a.channel_id AS "channelId",
           a.score::int AS score, a.comment, a.answered_at AS "answeredAt", a.answered_via::text AS "answeredVia",
           a.dispatched_at AS "dispatchedAt", w.name AS "workspaceName", b.name AS "botName", b.created_at AS "botCreatedAt",
           c.name AS "channelName", c.kind::text AS "channelKind", c.created_at AS "channelCreatedAt",
           f.id AS "followUpId", f.owner_id AS "followUpOwnerId"
    FROM answered a
    JOIN workspace w ON w.id = a.workspace_id
    LEFT JOIN follow_up f ON f.survey_id = a.id
    LEFT JOIN bot b ON b.id = a.bot_id
    LEFT JOIN channel c ON c.id = a.channel_id`,
    [answer.tokenHash, answer.score, answer.comment, answer.answeredAt, answer.via, answer.reason, answer.requestId],
  );
  return answered;
}

/** A survey as its token may see it, with the language facts it is shown in. */
export interface PublicSurveyRow extends LanguageFacts {
  locale: string;
  answeredAt: Date | null;
  expiresAt: Date | null;
  score: number | null;
  comment: string | null;
  reason: string | null;
  workspaceName: string;
}

/** The survey of a token hash as the rating page and the widget show it, in one statement. */
export async function findPublicSurveyRow(db: Queryable, tokenHash: string): Promise<PublicSurveyRow | undefined> {
  const [row] = await db.query<PublicSurveyRow>(
    `SELECT s.locale, s.answered_at AS "answeredAt", s.expires_at AS "expiresAt", s.score::int AS score, s.comment, s.reason,
            w.name AS "workspaceName", ${LANGUAGE_COLUMNS}
     FROM csat_survey s
     JOIN workspace w ON w.id = s.workspace_id
     JOIN conversation c ON c.id = s.conversation_id
     JOIN customer cu ON cu.id = c.customer_id
     LEFT JOIN csat_settings st ON st.workspace_id = s.workspace_id
     WHERE s.token_hash = $1`,
    [tokenHash],
  );
  return row;
}
