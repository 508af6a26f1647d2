import { z } from "zod";
import type { CsatAnswerVia } from "../../generated/prisma/enums.js";
import { SURVEY_TOKEN_PATTERN, sha256 } from "../../tokens.js";
import { publishConversationEvent, type CsatAnswered } from "../../pubsub.js";
import type { Actor } from "../actors.js";
import { requireMember } from "../actors.js";
import type { App } from "../../deps.js";
import { answerSurvey, type AnsweredSurvey } from "../../db/surveys.js";
import { commentSchema, parseInput, scoreSchema } from "../validation.js";
import { onFollowUpOpened } from "./followUps.js";
import { CSAT_QUESTION } from "./prompts.js";

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
  const answered = await answerSurvey(app.sql, { tokenHash, score, comment: comment || null, answeredAt: now, via: input.via });
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
      question: CSAT_QUESTION,
      state: "ALREADY_SUBMITTED",
      workspaceName: answered.workspaceName,
      score: answered.score,
      comment: answered.comment,
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
