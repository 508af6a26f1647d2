import { z } from "zod";
import type { CsatAnswerVia } from "../../generated/prisma/enums.js";
import { SURVEY_TOKEN_PATTERN, sha256 } from "../../tokens.js";
import { publishConversationEvent, type CsatAnswered } from "../../pubsub.js";
import type { Actor } from "../actors.js";
import { requireMember } from "../actors.js";
import type { App } from "../../deps.js";
import { answerSurvey, findPublicSurveyRow, type AnsweredSurvey, type PublicSurveyRow } from "../../db/surveys.js";
import { badInput } from "../../errors.js";
import { commentSchema, parseInput, reasonSchema, scoreSchema } from "../validation.js";
import { isSupportedLocale, type SupportedLocale } from "../i18n/locales.js";
import { surveyWording } from "../i18n/messages.js";
import { onFollowUpOpened } from "./followUps.js";

export type SubmitOutcome = "ACCEPTED" | "ALREADY_SUBMITTED" | "EXPIRED" | "NOT_FOUND";
export type PublicSurveyState = "OPEN" | "ALREADY_SUBMITTED" | "EXPIRED";

/** The language a survey is shown in, its wording and the reasons it offers. */
export interface SurveyLanguage {
  locale: SupportedLocale;
  question: string;
  thankYou: string;
  reasons: string[];
  reasonsAtOrBelow: number;
  /** The team's wording per locale, for a page shown in another language than the survey's. */
  texts: { locale: string; question: string; thankYou: string }[];
  /** Null when the customer gave no language: the rating page may follow the browser's. */
  customerLocale: string | null;
}

/** What a survey token may see: nothing about the customer. */
export interface PublicCsatSurvey {
  state: PublicSurveyState;
  workspaceName: string;
  score: number | null;
  comment: string | null;
  reason: string | null;
  expiresAt: Date | null;
  tokenHash: string;
  /** Null until asked for (an accepted answer does not read it): see `languageOf`. */
  language: SurveyLanguage | null;
}

const submitInput = z.object({ score: scoreSchema, comment: commentSchema, reason: reasonSchema.nullish() });

function tokenHashOf(token: string): string | null {
  return SURVEY_TOKEN_PATTERN.test(token) ? sha256(token) : null;
}

function languageFromRow(row: PublicSurveyRow): SurveyLanguage {
  const locale = isSupportedLocale(row.locale) ? row.locale : "en";
  return {
    ...surveyWording(locale, row.texts),
    reasons: row.reasons,
    reasonsAtOrBelow: row.reasonsAtOrBelow,
    texts: row.texts,
    customerLocale: row.customerLocale,
  };
}

/** The survey's language and wording, read once when the survey came from an answer's compare-and-set. */
export async function languageOf(app: App, survey: PublicCsatSurvey): Promise<SurveyLanguage> {
  if (!survey.language) {
    const row = await findPublicSurveyRow(app.sql, survey.tokenHash);
    survey.language = row ? languageFromRow(row) : { ...surveyWording("en", []), reasons: [], reasonsAtOrBelow: 0, texts: [], customerLocale: null };
  }
  return survey.language;
}

/** A survey's wording in another supported locale (the rating page following the browser): the team's words for it, else built-in. */
export function languageIn(language: SurveyLanguage, locale: SupportedLocale): SurveyLanguage {
  return locale === language.locale ? language : { ...language, ...surveyWording(locale, language.texts) };
}

/**
 * Stores an answer exactly once: one compare-and-set decides between the widget, the rating page
 * and the API, however they race. Bad input is refused before anything is read; a reason must be
 * one the workspace offers, with a score at or below its threshold (checked against the survey's
 * settings, read only when a reason is given).
 */
export async function submitCsatAnswer(
  app: App,
  input: { token: string; score: number; comment?: string | null | undefined; reason?: string | null | undefined; via: CsatAnswerVia },
): Promise<{ outcome: SubmitOutcome; survey: PublicCsatSurvey | null }> {
  const { score, comment, reason: given } = parseInput(submitInput, {
    score: input.score,
    comment: input.comment,
    reason: input.reason === "" ? null : input.reason,
  });
  const reason = given ?? null;
  const tokenHash = tokenHashOf(input.token);
  if (!tokenHash) return { outcome: "NOT_FOUND", survey: null };
  const now = app.clock.now();
  let known: PublicSurveyRow | undefined;
  if (reason !== null) {
    known = await findPublicSurveyRow(app.sql, tokenHash);
    if (!known) return { outcome: "NOT_FOUND", survey: null };
    if (!known.reasons.includes(reason)) throw badInput("reason: not one of the reasons this survey offers");
    if (score > known.reasonsAtOrBelow) throw badInput(`reason: only offered with a score of ${known.reasonsAtOrBelow} or less`);
  }
  // The compare-and-set returns what the answer's readers need, so an accepted answer is one statement.
  const answered = await answerSurvey(app.sql, { tokenHash, score, comment: comment || null, answeredAt: now, via: input.via, reason, requestId: app.requestId ?? null });
  if (answered) {
    app.metrics.surveyAnswered(input.via);
    app.log.debug?.(`[csat] survey ${answered.id} answered (${input.via}, score ${answered.score})`);
    publishAnswer(app, answered);
    if (answered.followUpId) {
      onFollowUpOpened(app, app.sql, {
        id: answered.followUpId,
        workspaceId: answered.workspaceId,
        surveyId: answered.id,
        ownerId: answered.followUpOwnerId,
      });
    }
    const survey: PublicCsatSurvey = {
      state: "ALREADY_SUBMITTED",
      workspaceName: answered.workspaceName,
      score: answered.score,
      comment: answered.comment,
      reason,
      expiresAt: null,
      tokenHash,
      language: known ? languageFromRow(known) : null,
    };
    return { outcome: "ACCEPTED", survey };
  }
  const survey = await findPublicSurvey(app, tokenHash, now);
  if (!survey) return { outcome: "NOT_FOUND", survey: null };
  return { outcome: survey.state === "EXPIRED" ? "EXPIRED" : "ALREADY_SUBMITTED", survey };
}

/** Tells the workspace's open report pages and inboxes about an answer, once it is committed. */
function publishAnswer(app: App, s: AnsweredSurvey): void {
  publishConversationEvent(app.pubsub, s.workspaceId, { conversationId: s.conversationId, change: "ANSWERED", at: s.answeredAt });
  app.pubsub.publish("csat:answered", s.workspaceId, {
    surveyId: s.id,
    conversationId: s.conversationId,
    score: s.score,
    comment: s.comment,
    answeredAt: s.answeredAt,
    answeredVia: s.answeredVia,
    dispatchedAt: s.dispatchedAt,
    bot: s.botId && s.botName !== null ? { id: s.botId, workspaceId: s.workspaceId, name: s.botName, createdAt: s.botCreatedAt! } : null,
    channel:
      s.channelId && s.channelName !== null
        ? { id: s.channelId, workspaceId: s.workspaceId, name: s.channelName, kind: s.channelKind!, createdAt: s.channelCreatedAt! }
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
  const row = await findPublicSurveyRow(app.sql, tokenHash);
  if (!row) return null;
  const state: PublicSurveyState = row.answeredAt
    ? "ALREADY_SUBMITTED"
    : row.expiresAt && row.expiresAt > now
      ? "OPEN"
      : "EXPIRED";
  return {
    state,
    workspaceName: row.workspaceName,
    score: row.score,
    comment: row.comment,
    reason: row.reason,
    expiresAt: row.expiresAt,
    tokenHash,
    language: languageFromRow(row),
  };
}
