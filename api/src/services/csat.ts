import { z } from "zod";
import type { ChannelKind, CsatAnswerVia, ResolvedVia } from "../generated/prisma/enums.js";
import { SURVEY_TOKEN_PATTERN, newSurveyToken, sha256 } from "../tokens.js";
import { publishConversationChange, type CsatAnswered, type CsatPrompt } from "../pubsub.js";
import type { Actor } from "./actors.js";
import { requireAdmin, requireMember } from "./actors.js";
import { forbidden } from "../errors.js";
import { faultPoint } from "../faults.js";
import type { App } from "../deps.js";
import { columnsAs, type Queryable } from "../db/client.js";
import type { CsatSurvey } from "../generated/prisma/client.js";
import { renderSurveyEmail, type SurveyEmail } from "./email.js";
import { commentSchema, csatSettingsInputSchema, parseInput, scoreSchema } from "./validation.js";

export const CSAT_QUESTION = "How was your experience?";
export const SURVEY_LIFETIME_MS = 30 * 86_400_000;
export const SETTINGS_CHANGED = "Changed CSAT settings";

export interface CsatSettingsValues {
  enabled: boolean;
  delayMinutes: number;
  /** 0 keeps everything; otherwise comments and customer contact data older than this are erased. */
  retentionDays: number;
  /** 0 = off; otherwise one reminder email this many days after dispatch while unanswered. */
  reminderAfterDays: number;
}

export async function getCsatSettings(app: App, actor: Actor | null): Promise<CsatSettingsValues> {
  const member = requireMember(actor);
  const row = await app.prisma.csatSettings.findUnique({ where: { workspaceId: member.workspaceId } });
  return { enabled: row?.enabled ?? false, delayMinutes: row?.delayMinutes ?? 0, retentionDays: row?.retentionDays ?? 0, reminderAfterDays: row?.reminderAfterDays ?? 0 };
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
  return app.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`INSERT INTO csat_settings (workspace_id, updated_at) VALUES (${admin.workspaceId}::uuid, ${now})
      ON CONFLICT (workspace_id) DO NOTHING`;
    const [row] = await tx.$queryRaw<{ enabled: boolean; delay_minutes: number; retention_days: number; reminder_after_days: number }[]>`
      SELECT enabled, delay_minutes, retention_days, reminder_after_days FROM csat_settings WHERE workspace_id = ${admin.workspaceId}::uuid FOR UPDATE`;
    const before: CsatSettingsValues = {
      enabled: row!.enabled, delayMinutes: row!.delay_minutes, retentionDays: row!.retention_days, reminderAfterDays: row!.reminder_after_days,
    };
    const after: CsatSettingsValues = {
      enabled: changes.enabled ?? before.enabled,
      delayMinutes: changes.delayMinutes ?? before.delayMinutes,
      retentionDays: changes.retentionDays ?? before.retentionDays,
      reminderAfterDays: changes.reminderAfterDays ?? before.reminderAfterDays,
    };
    if (
      after.enabled === before.enabled && after.delayMinutes === before.delayMinutes && after.retentionDays === before.retentionDays &&
      after.reminderAfterDays === before.reminderAfterDays
    ) {
      return before;
    }
    await tx.csatSettings.update({ where: { workspaceId: admin.workspaceId }, data: after });
    faultPoint("settings:mid-transaction");
    await tx.auditEntry.create({
      data: {
        workspaceId: admin.workspaceId,
        action: SETTINGS_CHANGED,
        actorId: admin.kind === "teammate" ? admin.teammateId : null,
        apiKeyId: admin.kind === "apiKey" ? admin.apiKeyId : null,
        before: { ...before },
        after: { ...after },
        createdAt: now,
      },
    });
    if (before.enabled && !after.enabled) {
      await tx.csatSurvey.updateMany({
        where: { workspaceId: admin.workspaceId, state: "SCHEDULED" },
        data: { state: "CANCELLED", cancelledAt: now },
      });
    }
    return after;
  });
}

/** csat_survey's columns under Prisma's field names; the type fails to compile if a field is missing. */
const SURVEY_FIELDS: Record<keyof CsatSurvey, string> = {
  id: "id",
  workspaceId: "workspace_id",
  conversationId: "conversation_id",
  botId: "bot_id",
  channelId: "channel_id",
  state: "state::text",
  resolvedVia: "resolved_via::text",
  onHold: "on_hold",
  dueAt: "due_at",
  dispatchedAt: "dispatched_at",
  expiresAt: "expires_at",
  tokenHash: "token_hash",
  deliveredToWidget: "delivered_to_widget",
  emailed: "emailed",
  score: "score::int",
  comment: "comment",
  answeredAt: "answered_at",
  answeredVia: "answered_via::text",
  cancelledAt: "cancelled_at",
  createdAt: "created_at",
};
const SURVEY_COLUMNS = columnsAs(SURVEY_FIELDS);

/** What a resolve did to the conversation's survey; a prompt is published once the transaction commits. */
export interface SurveyEffect {
  surveyCreated: boolean;
  prompt: CsatPrompt | null;
  /** The survey the resolve created, as written. */
  survey?: CsatSurvey;
}

const noEffect: SurveyEffect = { surveyCreated: false, prompt: null };

interface ResolvedConversation {
  id: string;
  workspaceId: string;
  botId: string | null;
  channelId: string | null;
}

/** What the resolve read with its row lock already, so the survey is made without reading it again. */
export interface ResolveFacts {
  settings: Pick<CsatSettingsValues, "enabled" | "delayMinutes"> | null;
  workspaceName: string;
  customerEmail: string | null;
}

/**
 * On a conversation's first OPEN→RESOLVED transition, with CSAT on: creates its one survey (in the
 * resolve's transaction `tx`). The unique conversation_id decides, so racing resolves create one
 * row between them. With no delay, the survey is born dispatched and its email written to the
 * outbox by the same statement; otherwise it waits SCHEDULED for the scheduler.
 */
export async function createSurveyOnFirstResolve(
  tx: Queryable,
  app: App,
  conversation: ResolvedConversation,
  known: ResolveFacts,
  via: ResolvedVia,
  now: Date,
): Promise<SurveyEffect> {
  const { settings } = known;
  if (!settings?.enabled) return noEffect;
  const key = [conversation.workspaceId, conversation.id, conversation.botId, conversation.channelId, via];
  if (settings.delayMinutes > 0) {
    const dueAt = new Date(now.getTime() + settings.delayMinutes * 60_000);
    const [survey] = await tx.query<CsatSurvey>(
      `INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, created_at)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, 'SCHEDULED', $5::"ResolvedVia", $6, $7)
       ON CONFLICT (conversation_id) DO NOTHING
       RETURNING ${SURVEY_COLUMNS}`,
      [...key, dueAt, now],
    );
    return survey ? { surveyCreated: true, prompt: null, survey } : noEffect;
  }
  const plan = await planDispatch(app, {
    workspaceId: conversation.workspaceId,
    conversationId: conversation.id,
    workspaceName: known.workspaceName,
    email: known.customerEmail,
  }, now);
  const email = plan.email;
  // The same columns and email `dispatchSurveys` writes, without a SCHEDULED row in between.
  const [survey] = await tx.query<CsatSurvey>(
    `WITH survey AS (
      INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, created_at,
                               dispatched_at, expires_at, token_hash, delivered_to_widget, emailed)
      VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, 'DISPATCHED', $5::"ResolvedVia", $6, $6, $6, $7, $8, $9, $10)
      ON CONFLICT (conversation_id) DO NOTHING
      RETURNING *
    ), outbox AS (
      INSERT INTO email_outbox (workspace_id, survey_id, "to", subject, html, text, state, created_at, next_attempt_at)
      SELECT workspace_id, id, $11, $12, $13, $14, $15::"EmailState", $6, $6
      FROM survey WHERE $10
    )
    SELECT ${SURVEY_COLUMNS} FROM survey`,
    [
      ...key, now, plan.expiresAt, sha256(plan.token), plan.widgetOpen, email !== null,
      email?.to ?? null, email?.subject ?? null, email?.html ?? null, email?.text ?? null, outboxState(app),
    ],
  );
  if (!survey) return noEffect;
  return { surveyCreated: true, prompt: promptOf(survey.id, conversation.id, plan), survey };
}

/** A reopened conversation's pending survey waits; see `resumeSurvey`. */
export async function holdSurvey(tx: Queryable, conversationId: string): Promise<void> {
  await tx.query("UPDATE csat_survey SET on_hold = true WHERE conversation_id = $1 AND state = 'SCHEDULED'", [conversationId]);
}

/** Resolved again: a held survey's countdown restarts from this resolve (and with no delay, it goes now). */
export async function resumeSurvey(tx: Queryable, app: App, conversation: ResolvedConversation, now: Date): Promise<SurveyEffect> {
  const [held] = await tx.query<{ id: string; delay_minutes: number | null }>(
    `SELECT s.id, st.delay_minutes FROM csat_survey s LEFT JOIN csat_settings st ON st.workspace_id = s.workspace_id
     WHERE s.conversation_id = $1 AND s.state = 'SCHEDULED' AND s.on_hold`,
    [conversation.id],
  );
  if (!held) return noEffect;
  const delay = held.delay_minutes ?? 0;
  await tx.query("UPDATE csat_survey SET on_hold = false, due_at = $2 WHERE id = $1", [held.id, new Date(now.getTime() + delay * 60_000)]);
  return { surveyCreated: false, prompt: delay === 0 ? await dispatchSurvey(tx, app, held.id, now) : null };
}

/** What dispatching a survey needs to know besides its id. */
export interface DispatchFacts {
  workspaceId: string;
  conversationId: string;
  workspaceName: string;
  email: string | null;
}

/**
 * Dispatches one SCHEDULED survey: gives it a token, records whether the widget is open and writes
 * the email to the outbox when the customer has an address. Returns the widget prompt to publish
 * after commit, or null when the widget is closed or the survey was not SCHEDULED any more.
 */
async function dispatchSurvey(tx: Queryable, app: App, surveyId: string, now: Date): Promise<CsatPrompt | null> {
  const [facts] = await tx.query<{ workspace_id: string; conversation_id: string; workspace_name: string; email: string | null }>(
    `SELECT s.workspace_id, s.conversation_id, w.name AS workspace_name, cu.email
     FROM csat_survey s
     JOIN workspace w ON w.id = s.workspace_id
     JOIN conversation c ON c.id = s.conversation_id
     JOIN customer cu ON cu.id = c.customer_id
     WHERE s.id = $1 AND s.state = 'SCHEDULED'`,
    [surveyId],
  );
  if (!facts) return null;
  const [prompt] = await dispatchSurveys(tx, app, [{
    id: surveyId,
    workspaceId: facts.workspace_id,
    conversationId: facts.conversation_id,
    workspaceName: facts.workspace_name,
    email: facts.email,
  }], now);
  return prompt ?? null;
}

/** A due survey the caller has claimed (locked), with what dispatching it needs. */
export interface DueSurvey extends DispatchFacts {
  id: string;
}

/**
 * Dispatches SCHEDULED surveys the caller holds locked: each gets a token, whether the widget is
 * open, and its email in the outbox when the customer has an address, written by one statement for
 * the whole batch (so the tally triggers run once). Returns the prompts to publish after commit.
 */
export async function dispatchSurveys(tx: Queryable, app: App, surveys: DueSurvey[], now: Date): Promise<CsatPrompt[]> {
  if (surveys.length === 0) return [];
  const plans = await Promise.all(surveys.map((survey) => planDispatch(app, survey, now)));
  const mailed = surveys.flatMap((survey, i) => (plans[i]!.email ? [{ id: survey.id, ...plans[i]!.email! }] : []));
  const expiresAt = new Date(now.getTime() + SURVEY_LIFETIME_MS);
  const dispatched = await tx.query<{ id: string }>(
    `WITH planned AS (
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::boolean[]) AS p(id, token_hash, widget_open, emailed)
    ), dispatched AS (
      UPDATE csat_survey s
      SET state = 'DISPATCHED', dispatched_at = $5, expires_at = $6, token_hash = p.token_hash,
          delivered_to_widget = p.widget_open, emailed = p.emailed, on_hold = false
      FROM planned p
      WHERE s.id = p.id AND s.state = 'SCHEDULED'
      RETURNING s.id, s.workspace_id
    ), outbox AS (
      INSERT INTO email_outbox (workspace_id, survey_id, "to", subject, html, text, state, created_at, next_attempt_at)
      SELECT d.workspace_id, d.id, e."to", e.subject, e.html, e.text, $7::"EmailState", $5, $5
      FROM dispatched d
      JOIN unnest($8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[]) AS e(id, "to", subject, html, text) ON e.id = d.id
    )
    SELECT id FROM dispatched`,
    [
      surveys.map((x) => x.id), plans.map((p) => sha256(p.token)), plans.map((p) => p.widgetOpen), plans.map((p) => p.email !== null),
      now, expiresAt, outboxState(app),
      mailed.map((m) => m.id), mailed.map((m) => m.to), mailed.map((m) => m.subject), mailed.map((m) => m.html), mailed.map((m) => m.text),
    ],
  );
  const done = new Set(dispatched.map((d) => d.id));
  return surveys.flatMap((survey, i) => {
    const prompt = done.has(survey.id) ? promptOf(survey.id, survey.conversationId, { ...plans[i]!, expiresAt }) : null;
    return prompt ? [prompt] : [];
  });
}

/** What a dispatch writes, decided before the row is: the token, whether the widget is open, the email. */
interface DispatchPlan {
  token: string;
  expiresAt: Date;
  widgetOpen: boolean;
  email: (SurveyEmail & { to: string }) | null;
}

async function planDispatch(app: App, facts: DispatchFacts, now: Date): Promise<DispatchPlan> {
  const token = newSurveyToken();
  const widgetOpen = await app.presence.isOpen(facts.conversationId);
  const email = facts.email
    ? {
        to: facts.email,
        ...renderSurveyEmail({ workspaceName: facts.workspaceName, publicUrl: app.config.publicUrl, token, question: CSAT_QUESTION }),
      }
    : null;
  return { token, expiresAt: new Date(now.getTime() + SURVEY_LIFETIME_MS), widgetOpen, email };
}

/** Survey emails wait for the outbox worker with Resend configured; without it they are only recorded. */
const outboxState = (app: App) => (app.config.resendApiKey ? "PENDING" : "RECORDED");

/** The prompt to publish after commit, when the widget is open. */
function promptOf(surveyId: string, conversationId: string, plan: DispatchPlan): CsatPrompt | null {
  if (!plan.widgetOpen) return null;
  return { surveyId, conversationId, question: CSAT_QUESTION, token: plan.token, expiresAt: plan.expiresAt };
}

export function publishPrompt(app: App, prompt: CsatPrompt | null): void {
  if (prompt) app.pubsub.publish("csat:requested", prompt.conversationId, prompt);
}

export type SubmitOutcome = "ACCEPTED" | "ALREADY_SUBMITTED" | "EXPIRED" | "NOT_FOUND";
export type PublicSurveyState = "OPEN" | "ALREADY_SUBMITTED" | "EXPIRED";

/** What a survey token may see: nothing about the customer. */
export interface PublicCsatSurvey {
  question: string;
  state: PublicSurveyState;
  workspaceName: string;
  score: number | null;
  comment: string | null;
}

const submitInput = z.object({ score: scoreSchema, comment: commentSchema });

function tokenHashOf(token: string): string | null {
  return SURVEY_TOKEN_PATTERN.test(token) ? sha256(token) : null;
}

/**
 * Stores an answer exactly once: one compare-and-set decides between the widget, the rating page
 * and the API, however they race. Bad input is refused before anything is read.
 */
export async function submitCsatAnswer(
  app: App,
  input: { token: string; score: number; comment?: string | null | undefined; via: CsatAnswerVia },
): Promise<{ outcome: SubmitOutcome; survey: PublicCsatSurvey | null }> {
  const { score, comment } = parseInput(submitInput, { score: input.score, comment: input.comment });
  const tokenHash = tokenHashOf(input.token);
  if (!tokenHash) return { outcome: "NOT_FOUND", survey: null };
  const now = app.clock.now();
  // The compare-and-set returns what the answer's readers need, so an accepted answer is one statement.
  const [answered] = await app.sql.query<AnsweredRow>(
    `WITH answered AS (
      UPDATE csat_survey
      SET state = 'SUBMITTED', score = $2, comment = $3, answered_at = $4, answered_via = $5::"CsatAnswerVia"
      WHERE token_hash = $1 AND state = 'DISPATCHED' AND answered_at IS NULL AND expires_at > $4
      RETURNING id, workspace_id, conversation_id, bot_id, channel_id, score, comment, answered_at, answered_via, dispatched_at)
    SELECT a.id, a.workspace_id, a.conversation_id, a.bot_id, a.channel_id, a.score::int AS score, a.comment, a.answered_at,
           a.answered_via::text AS answered_via, a.dispatched_at, w.name AS workspace_name,
           b.name AS bot_name, b.created_at AS bot_created_at, c.name AS channel_name, c.kind::text AS channel_kind,
           c.created_at AS channel_created_at
    FROM answered a
    JOIN workspace w ON w.id = a.workspace_id
    LEFT JOIN bot b ON b.id = a.bot_id
    LEFT JOIN channel c ON c.id = a.channel_id`,
    [tokenHash, score, comment || null, now, input.via],
  );
  if (answered) {
    publishAnswer(app, answered);
    const survey: PublicCsatSurvey = {
      question: CSAT_QUESTION,
      state: "ALREADY_SUBMITTED",
      workspaceName: answered.workspace_name,
      score: answered.score,
      comment: answered.comment,
    };
    return { outcome: "ACCEPTED", survey };
  }
  const survey = await findPublicSurvey(app, tokenHash, now);
  if (!survey) return { outcome: "NOT_FOUND", survey: null };
  return { outcome: survey.state === "EXPIRED" ? "EXPIRED" : "ALREADY_SUBMITTED", survey };
}

/** An answered survey as the compare-and-set returns it, with its workspace's name, bot and channel. */
interface AnsweredRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  bot_id: string | null;
  channel_id: string | null;
  score: number;
  comment: string | null;
  answered_at: Date;
  answered_via: CsatAnswerVia;
  dispatched_at: Date;
  workspace_name: string;
  bot_name: string | null;
  bot_created_at: Date | null;
  channel_name: string | null;
  channel_kind: ChannelKind | null;
  channel_created_at: Date | null;
}

/** Tells the workspace's open report pages and inboxes about an answer, once it is committed. */
function publishAnswer(app: App, s: AnsweredRow): void {
  publishConversationChange(app.pubsub, s.workspace_id, { conversationId: s.conversation_id, change: "ANSWERED", at: s.answered_at });
  app.pubsub.publish("csat:answered", s.workspace_id, {
    surveyId: s.id,
    conversationId: s.conversation_id,
    score: s.score,
    comment: s.comment,
    answeredAt: s.answered_at,
    answeredVia: s.answered_via,
    dispatchedAt: s.dispatched_at,
    bot: s.bot_id && s.bot_name !== null ? { id: s.bot_id, workspaceId: s.workspace_id, name: s.bot_name, createdAt: s.bot_created_at! } : null,
    channel:
      s.channel_id && s.channel_name !== null
        ? { id: s.channel_id, workspaceId: s.workspace_id, name: s.channel_name, kind: s.channel_kind!, createdAt: s.channel_created_at! }
        : null,
  });
}

/** A teammate's (or API key's) feed of its own workspace's answers, as they come. */
export function watchCsatAnswers(app: App, actor: Actor | null): AsyncIterable<CsatAnswered> {
  const member = requireMember(actor);
  return app.pubsub.subscribe("csat:answered", member.workspaceId);
}

export async function publicSurveyByToken(app: App, token: string): Promise<PublicCsatSurvey | null> {
  const tokenHash = tokenHashOf(token);
  return tokenHash ? findPublicSurvey(app, tokenHash, app.clock.now()) : null;
}

async function findPublicSurvey(app: App, tokenHash: string, now: Date): Promise<PublicCsatSurvey | null> {
  const row = await app.prisma.csatSurvey.findUnique({
    where: { tokenHash },
    select: { answeredAt: true, expiresAt: true, score: true, comment: true, workspace: { select: { name: true } } },
  });
  if (!row) return null;
  const state: PublicSurveyState = row.answeredAt
    ? "ALREADY_SUBMITTED"
    : row.expiresAt && row.expiresAt > now
      ? "OPEN"
      : "EXPIRED";
  return { question: CSAT_QUESTION, state, workspaceName: row.workspace.name, score: row.score, comment: row.comment };
}

/**
 * The widget's subscription to its survey prompt. While it is live the conversation counts as
 * "widget open" for dispatch; closing the subscription (or the socket) ends that.
 */
export function watchCsatRequests(app: App, actor: Actor | null, conversationId: string): AsyncIterableIterator<CsatPrompt> {
  if (actor?.kind !== "visitor" || actor.conversationId !== conversationId) {
    throw forbidden("Only this conversation's visitor may wait for its survey");
  }
  const source = app.pubsub.subscribe("csat:requested", conversationId)[Symbol.asyncIterator]();
  const close = app.presence.open(conversationId);
  const iterator: AsyncIterableIterator<CsatPrompt> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => source.next(),
    async return(value?: unknown) {
      close();
      return (await source.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(err?: unknown) {
      close();
      if (source.throw) return source.throw(err);
      throw err;
    },
  };
  return iterator;
}
