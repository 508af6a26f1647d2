import type { CsatPrompt } from "../../pubsub.js";
import type { Actor } from "../actors.js";
import { forbidden } from "../../errors.js";
import type { App } from "../../deps.js";

export const CSAT_QUESTION = "How was your experience?";

/** The prompt to publish after commit, when the widget is open. */
export function promptOf(
  surveyId: string,
  conversationId: string,
  dispatch: { token: string; expiresAt: Date; widgetOpen: boolean },
): CsatPrompt | null {
  if (!dispatch.widgetOpen) return null;
  return { surveyId, conversationId, question: CSAT_QUESTION, token: dispatch.token, expiresAt: dispatch.expiresAt };
}

export function publishPrompt(app: App, prompt: CsatPrompt | null): void {
  if (prompt) app.pubsub.publish("csat:requested", prompt.conversationId, prompt);
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
