import type { EmailState, ResolvedVia } from "../../generated/prisma/enums.js";
import type { CsatSurvey } from "../../generated/prisma/client.js";
import { newSurveyToken, sha256 } from "../../tokens.js";
import type { CsatPrompt } from "../../pubsub.js";
import type { App } from "../../deps.js";
import type { Queryable } from "../../db/client.js";
import {
  dispatchScheduledSurveys,
  findHeldSurvey,
  findScheduledSurvey,
  holdScheduledSurvey,
  insertDispatchedSurvey,
  insertScheduledSurvey,
  resumeHeldSurvey,
  type DispatchFacts,
  type LanguageFacts,
  type OutboxEmail,
} from "../../db/surveys.js";
import { renderSurveyEmail } from "../email.js";
import type { CsatSettingsValues } from "./settings.js";
import { promptOf } from "./prompts.js";
import { pickLocale, surveyWording, type SurveyWording } from "../i18n/messages.js";

export type { DispatchFacts } from "../../db/surveys.js";

export const SURVEY_LIFETIME_MS = 30 * 86_400_000;

/** What a resolve did to the conversation's survey; a prompt is published once the transaction commits. */
export interface SurveyEffect {
  surveyCreated: boolean;
  prompt: CsatPrompt | null;
  /** The survey the resolve created, as written. */
  survey?: CsatSurvey;
  /** Surveys the transaction dispatched (for the counter moved once it commits). */
  dispatched?: number;
}

const noEffect: SurveyEffect = { surveyCreated: false, prompt: null };

interface ResolvedConversation {
  id: string;
  workspaceId: string;
  botId: string | null;
  channelId: string | null;
}

/** What the resolve read with its row lock already, so the survey is made without reading it again. */
export interface ResolveFacts extends LanguageFacts {
  settings: Pick<CsatSettingsValues, "enabled" | "delayMinutes"> | null;
  workspaceName: string;
  customerEmail: string | null;
  /** The teammate a survey dispatched now is credited to: the assignee, else who resolved it; null for no one. */
  creditedTo: string | null;
  /** Whether the widget is open, when the rules asked already. */
  widgetOpen?: boolean | undefined;
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
  const key = {
    workspaceId: conversation.workspaceId,
    conversationId: conversation.id,
    botId: conversation.botId,
    channelId: conversation.channelId,
    resolvedVia: via,
    requestId: app.requestId ?? null,
  };
  if (settings.delayMinutes > 0) {
    const dueAt = new Date(now.getTime() + settings.delayMinutes * 60_000);
    const survey = await insertScheduledSurvey(tx, key, dueAt, now);
    return survey ? { surveyCreated: true, prompt: null, survey } : noEffect;
  }
  const plan = await planDispatch(
    app,
    {
      ...languageFacts(known),
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      workspaceName: known.workspaceName,
      email: known.customerEmail,
    },
    now,
    known.widgetOpen,
  );
  // The same columns and email `dispatchSurveys` writes, without a SCHEDULED row in between.
  const survey = await insertDispatchedSurvey(
    tx,
    key,
    {
      tokenHash: sha256(plan.token),
      expiresAt: plan.expiresAt,
      deliveredToWidget: plan.widgetOpen,
      email: plan.email,
      emailState: outboxState(app),
      teammateId: known.creditedTo,
      locale: plan.wording.locale,
    },
    now,
  );
  if (!survey) return noEffect;
  return { surveyCreated: true, prompt: promptOf(survey.id, conversation.id, plan), survey, dispatched: 1 };
}

/** A reopened conversation's pending survey waits; see `resumeSurvey`. */
export async function holdSurvey(tx: Queryable, conversationId: string): Promise<void> {
  await holdScheduledSurvey(tx, conversationId);
}

/** Resolved again: a held survey's countdown restarts from this resolve (and with no delay, it goes now). */
export async function resumeSurvey(tx: Queryable, app: App, conversation: ResolvedConversation, now: Date): Promise<SurveyEffect> {
  const held = await findHeldSurvey(tx, conversation.id);
  if (!held) return noEffect;
  const delay = held.delayMinutes ?? 0;
  await resumeHeldSurvey(tx, held.id, new Date(now.getTime() + delay * 60_000));
  if (delay > 0) return noEffect;
  const { prompts, dispatched } = await dispatchSurvey(tx, app, held.id, now);
  return { surveyCreated: false, prompt: prompts[0] ?? null, dispatched };
}

/**
 * Dispatches one SCHEDULED survey: gives it a token, records whether the widget is open and writes
 * the email to the outbox when the customer has an address. Returns the widget prompt to publish
 * after commit, or null when the widget is closed or the survey was not SCHEDULED any more.
 */
async function dispatchSurvey(tx: Queryable, app: App, surveyId: string, now: Date): Promise<DispatchOutcome> {
  const facts = await findScheduledSurvey(tx, surveyId);
  if (!facts) return { prompts: [], dispatched: 0 };
  return dispatchSurveys(tx, app, [{ id: surveyId, ...facts }], now);
}

/** What a dispatch did: the widget prompts to publish after commit, and how many surveys went out. */
export interface DispatchOutcome {
  prompts: CsatPrompt[];
  dispatched: number;
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
export async function dispatchSurveys(tx: Queryable, app: App, surveys: DueSurvey[], now: Date): Promise<DispatchOutcome> {
  if (surveys.length === 0) return { prompts: [], dispatched: 0 };
  const plans = await Promise.all(surveys.map((survey) => planDispatch(app, survey, now)));
  const expiresAt = new Date(now.getTime() + SURVEY_LIFETIME_MS);
  const dispatched = await dispatchScheduledSurveys(
    tx,
    surveys.map((survey, i) => ({
      id: survey.id,
      tokenHash: sha256(plans[i]!.token),
      deliveredToWidget: plans[i]!.widgetOpen,
      locale: plans[i]!.wording.locale,
      email: plans[i]!.email,
    })),
    { now, expiresAt, emailState: outboxState(app) },
  );
  const done = new Set(dispatched);
  const prompts = surveys.flatMap((survey, i) => {
    const prompt = done.has(survey.id) ? promptOf(survey.id, survey.conversationId, { ...plans[i]!, expiresAt }) : null;
    return prompt ? [prompt] : [];
  });
  return { prompts, dispatched: done.size };
}

/** What a dispatch writes, decided before the row is: the token, whether the widget is open, the email. */
export interface DispatchPlan {
  token: string;
  expiresAt: Date;
  widgetOpen: boolean;
  email: OutboxEmail | null;
  /** The language the customer is asked in, with the team's wording for it or the built-in one. */
  wording: SurveyWording;
  reasons: string[];
  reasonsAtOrBelow: number;
}

const languageFacts = (facts: LanguageFacts): LanguageFacts => ({
  customerLocale: facts.customerLocale,
  defaultLocale: facts.defaultLocale,
  texts: facts.texts,
  reasons: facts.reasons,
  reasonsAtOrBelow: facts.reasonsAtOrBelow,
});

async function planDispatch(app: App, facts: DispatchFacts, now: Date, knownWidgetOpen?: boolean): Promise<DispatchPlan> {
  const token = newSurveyToken();
  const expiresAt = new Date(now.getTime() + SURVEY_LIFETIME_MS);
  const widgetOpen = knownWidgetOpen ?? (await app.presence.isOpen(facts.conversationId));
  const wording = surveyWording(pickLocale(facts.customerLocale, facts.defaultLocale), facts.texts);
  const email = facts.email
    ? {
        to: facts.email,
        ...renderSurveyEmail({ workspaceName: facts.workspaceName, publicUrl: app.config.publicUrl, token, wording, expiresAt }),
      }
    : null;
  return { token, expiresAt, widgetOpen, email, wording, reasons: facts.reasons, reasonsAtOrBelow: facts.reasonsAtOrBelow };
}

/** Survey emails wait for the outbox worker with Resend configured; without it they are only recorded. */
const outboxState = (app: App): EmailState => (app.config.resendApiKey ? "PENDING" : "RECORDED");
