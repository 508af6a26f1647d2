import { csatPromptsOf, publishCsatPrompt, type CsatPrompt } from "../../pubsub.js";
import { requirePromptWatch, type Actor } from "../actors.js";
import type { App } from "../../deps.js";
import type { SurveyWording } from "../i18n/messages.js";

/** The prompt to publish after commit, when the widget is open: in the survey's language and wording, with its reasons. */
export function promptOf(
  surveyId: string,
  conversationId: string,
  dispatch: { token: string; expiresAt: Date; widgetOpen: boolean; wording: SurveyWording; reasons: string[]; reasonsAtOrBelow: number },
): CsatPrompt | null {
  if (!dispatch.widgetOpen) return null;
  return {
    surveyId,
    conversationId,
    question: dispatch.wording.question,
    token: dispatch.token,
    expiresAt: dispatch.expiresAt,
    locale: dispatch.wording.locale,
    thankYou: dispatch.wording.thankYou,
    reasons: dispatch.reasons,
    reasonsAtOrBelow: dispatch.reasonsAtOrBelow,
  };
}

export function publishPrompt(app: App, prompt: CsatPrompt | null): void {
  if (prompt) publishCsatPrompt(app.pubsub, prompt, app.clock.now());
}

/**
 * The widget's subscription to its survey prompt, on its conversation's `visitor` topic. While it
 * is live the conversation counts as "widget open" for dispatch; closing the subscription (or the
 * socket) ends that.
 */
export function watchCsatRequests(app: App, actor: Actor | null, conversationId: string): AsyncIterable<CsatPrompt> {
  requirePromptWatch(actor, conversationId);
  return csatPromptsOf(app.pubsub.subscribe("visitor", conversationId));
}
