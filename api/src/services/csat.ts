import { z } from "zod";
import type { CsatAnswerVia, ResolvedVia } from "../generated/prisma/enums.js";
import { SURVEY_TOKEN_PATTERN, newSurveyToken, sha256 } from "../tokens.js";
import type { CsatAnswered, CsatPrompt } from "../pubsub.js";
import type { Actor } from "./actors.js";
import { requireAdmin, requireMember } from "./actors.js";
import { forbidden } from "../errors.js";
import { faultPoint } from "../faults.js";
import type { App, Tx } from "./app.js";
import { renderSurveyEmail } from "./email.js";
import { commentSchema, csatSettingsInputSchema, parseInput, scoreSchema } from "./validation.js";

export const CSAT_QUESTION = "How was your experience?";
export const SURVEY_LIFETIME_MS = 30 * 86_400_000;
export const SETTINGS_CHANGED = "Changed CSAT settings";

export interface CsatSettingsValues {
  enabled: boolean;
  delayMinutes: number;
}

export async function getCsatSettings(app: App, actor: Actor | null): Promise<CsatSettingsValues> {
  const member = requireMember(actor);
  const row = await app.prisma.csatSettings.findUnique({ where: { workspaceId: member.workspaceId } });
  return { enabled: row?.enabled ?? false, delayMinutes: row?.delayMinutes ?? 0 };
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
    const [row] = await tx.$queryRaw<{ enabled: boolean; delay_minutes: number }[]>`
      SELECT enabled, delay_minutes FROM csat_settings WHERE workspace_id = ${admin.workspaceId}::uuid FOR UPDATE`;
    const before: CsatSettingsValues = { enabled: row!.enabled, delayMinutes: row!.delay_minutes };
    const after: CsatSettingsValues = {
      enabled: changes.enabled ?? before.enabled,
      delayMinutes: changes.delayMinutes ?? before.delayMinutes,
    };
    if (after.enabled === before.enabled && after.delayMinutes === before.delayMinutes) return before;
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

/** What a resolve did to the conversation's survey; a prompt is published once the transaction commits. */
export interface SurveyEffect {
  surveyCreated: boolean;
  prompt: CsatPrompt | null;
}

const noEffect: SurveyEffect = { surveyCreated: false, prompt: null };

interface ResolvedConversation {
  id: string;
  workspaceId: string;
  botId: string | null;
  channelId: string | null;
}

/**
 * On a conversation's first OPEN→RESOLVED transition, with CSAT on: creates its one survey. The
 * unique conversation_id decides, so racing resolves create one row between them.
 */
export async function createSurveyOnFirstResolve(
  tx: Tx,
  app: App,
  conversation: ResolvedConversation,
  via: ResolvedVia,
  now: Date,
): Promise<SurveyEffect> {
  const settings = await tx.csatSettings.findUnique({ where: { workspaceId: conversation.workspaceId } });
  if (!settings?.enabled) return noEffect;
  const dueAt = new Date(now.getTime() + settings.delayMinutes * 60_000);
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, created_at)
    VALUES (${conversation.workspaceId}::uuid, ${conversation.id}::uuid, ${conversation.botId}::uuid,
            ${conversation.channelId}::uuid, 'SCHEDULED', ${via}::"ResolvedVia", ${dueAt}, ${now})
    ON CONFLICT (conversation_id) DO NOTHING
    RETURNING id`;
  const survey = inserted[0];
  if (!survey) return noEffect;
  const prompt = settings.delayMinutes === 0 ? await dispatchSurvey(tx, app, survey.id, now) : null;
  return { surveyCreated: true, prompt };
}

/** A reopened conversation's pending survey waits; see `resumeSurvey`. */
export async function holdSurvey(tx: Tx, conversationId: string): Promise<void> {
  await tx.csatSurvey.updateMany({ where: { conversationId, state: "SCHEDULED" }, data: { onHold: true } });
}

/** Resolved again: a held survey's countdown restarts from this resolve. */
export async function resumeSurvey(tx: Tx, app: App, conversation: ResolvedConversation, now: Date): Promise<SurveyEffect> {
  const survey = await tx.csatSurvey.findFirst({
    where: { conversationId: conversation.id, state: "SCHEDULED", onHold: true },
    select: { id: true },
  });
  if (!survey) return noEffect;
  const settings = await tx.csatSettings.findUnique({ where: { workspaceId: conversation.workspaceId } });
  const delay = settings?.delayMinutes ?? 0;
  await tx.csatSurvey.update({
    where: { id: survey.id },
    data: { onHold: false, dueAt: new Date(now.getTime() + delay * 60_000) },
  });
  return { surveyCreated: false, prompt: delay === 0 ? await dispatchSurvey(tx, app, survey.id, now) : null };
}

/**
 * Dispatches one SCHEDULED survey: gives it a token, records whether the widget is open and writes
 * the email to the outbox when the customer has an address. Returns the widget prompt to publish
 * after commit, or null when the widget is closed or the survey was not SCHEDULED any more.
 */
export async function dispatchSurvey(tx: Tx, app: App, surveyId: string, now: Date): Promise<CsatPrompt | null> {
  const survey = await tx.csatSurvey.findUnique({
    where: { id: surveyId },
    select: {
      state: true,
      workspaceId: true,
      conversationId: true,
      workspace: { select: { name: true } },
      conversation: { select: { customer: { select: { email: true } } } },
    },
  });
  if (!survey || survey.state !== "SCHEDULED") return null;
  const token = newSurveyToken();
  const expiresAt = new Date(now.getTime() + SURVEY_LIFETIME_MS);
  const widgetOpen = await app.presence.isOpen(survey.conversationId);
  const email = survey.conversation.customer.email;
  const { count } = await tx.csatSurvey.updateMany({
    where: { id: surveyId, state: "SCHEDULED" },
    data: {
      state: "DISPATCHED",
      dispatchedAt: now,
      expiresAt,
      tokenHash: sha256(token),
      deliveredToWidget: widgetOpen,
      emailed: email !== null,
      onHold: false,
    },
  });
  if (count === 0) return null;
  if (email) {
    const message = renderSurveyEmail({
      workspaceName: survey.workspace.name,
      publicUrl: app.config.publicUrl,
      token,
      question: CSAT_QUESTION,
    });
    await tx.emailOutbox.create({
      data: {
        workspaceId: survey.workspaceId,
        surveyId,
        to: email,
        ...message,
        state: app.config.resendApiKey ? "PENDING" : "RECORDED",
        createdAt: now,
        nextAttemptAt: now,
      },
    });
  }
  if (!widgetOpen) return null;
  return { surveyId, conversationId: survey.conversationId, question: CSAT_QUESTION, token, expiresAt };
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
  const { count } = await app.prisma.csatSurvey.updateMany({
    where: { tokenHash, state: "DISPATCHED", answeredAt: null, expiresAt: { gt: now } },
    data: { state: "SUBMITTED", score, comment: comment || null, answeredAt: now, answeredVia: input.via },
  });
  if (count === 1) await publishAnswer(app, tokenHash);
  const survey = await findPublicSurvey(app, tokenHash, now);
  if (count === 1) return { outcome: "ACCEPTED", survey };
  if (!survey) return { outcome: "NOT_FOUND", survey: null };
  return { outcome: survey.state === "EXPIRED" ? "EXPIRED" : "ALREADY_SUBMITTED", survey };
}

/** Tells the workspace's open report pages and inboxes about an answer, once it is committed. */
async function publishAnswer(app: App, tokenHash: string): Promise<void> {
  const s = await app.prisma.csatSurvey.findUnique({ where: { tokenHash }, include: { bot: true, channel: true } });
  if (!s?.answeredAt || s.score === null || !s.answeredVia || !s.dispatchedAt) return;
  app.pubsub.publish("csat:answered", s.workspaceId, {
    surveyId: s.id,
    conversationId: s.conversationId,
    score: s.score,
    comment: s.comment,
    answeredAt: s.answeredAt,
    answeredVia: s.answeredVia,
    dispatchedAt: s.dispatchedAt,
    bot: s.bot,
    channel: s.channel,
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
