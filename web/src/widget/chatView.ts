import { createRatingCard, type CardState, type CardWording, type RatingCard } from "./card";
import { h, hidden, timeOf } from "./dom";
import type { WidgetConversationQuery } from "./gql/graphql";
import { messages as text } from "./messages";

export type Conversation = NonNullable<WidgetConversationQuery["conversation"]>;
export type Message = Conversation["messages"][number];

/** What the chat view asks of whoever drives it; the view itself sends nothing. */
export interface ChatViewHandlers {
  onSend(text: string): Promise<{ ok: true } | { ok: false; error: string }>;
  onScore(score: number): void;
  onComment(comment: string): void;
  onReason(reason: string | null): void;
  onSubmitRating(): void;
  onStartOver(): void;
}

export interface ChatView {
  /** The log, the composer and the "start a new conversation" button, in order. */
  elements: HTMLElement[];
  addMessages(messages: readonly Message[]): void;
  /** Shows the rating card in `state` as the log's last item, or takes it away (null). */
  setCard(state: CardState | null, wording?: CardWording | null): void;
  hasCard(): boolean;
  /**
   * Resolved: a note ends the log (above the rating card when there is one) and "Start a new
   * conversation" joins the composer, which stays, with what was typed: writing reopens the chat.
   */
  setResolved(resolved: boolean): void;
  focusComposer(): void;
}

function messageItem(message: Message): HTMLLIElement {
  return h(
    "li",
    { class: `msg ${message.fromCustomer ? "msg--me" : "msg--them"}`, "data-id": message.id },
    hidden(message.fromCustomer ? text.you : text.support),
    h("p", null, message.body),
    timeOf(message.createdAt),
  );
}

/**
 * The chat's DOM: the message log (a list inside the live `log` region, so its items stay list
 * items) ending with the resolved note and then the rating card, and the composer.
 */
export function createChatView(handlers: ChatViewHandlers): ChatView {
  const log = h("ol", { class: "w-log" });
  const logRegion = h("div", { class: "w-logbox", role: "log", "aria-label": text.messagesLabel, tabindex: 0 }, log);
  const input = h("textarea", { id: "w-reply", rows: 1, maxlength: 5000, placeholder: text.composerPlaceholder });
  const sendError = h("p", { class: "err", role: "alert" });
  const send = h("button", { type: "submit", class: "btn" }, text.send);
  const messages = new Map<string, HTMLLIElement>();
  const resolvedNote = h("li", { class: "note", "data-testid": "resolved-note" }, h("strong", null, text.resolvedNote), " ", text.resolvedHint);
  const cardItem = h("li", { class: "card-item" });
  const card: RatingCard = createRatingCard({
    onScore: handlers.onScore,
    onComment: handlers.onComment,
    onReason: handlers.onReason,
    onSubmit: handlers.onSubmitRating,
  });
  cardItem.append(card.element);

  async function sendMessage(event: Event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || send.getAttribute("aria-busy") === "true") return;
    send.setAttribute("aria-busy", "true");
    sendError.textContent = "";
    try {
      const result = await handlers.onSend(text);
      if (result.ok) input.value = "";
      else sendError.textContent = result.error;
    } finally {
      send.setAttribute("aria-busy", "false");
    }
  }

  const composer = h(
    "form",
    { class: "w-compose", onsubmit: sendMessage },
    h("label", { for: "w-reply", class: "vh" }, text.composerLabel),
    input,
    send,
    sendError,
  );
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  const finished = h(
    "div",
    { class: "w-finished", hidden: true },
    h("button", { type: "button", class: "btn btn--secondary", onclick: handlers.onStartOver }, text.startOver),
  );

  const scrollToEnd = () => {
    logRegion.scrollTop = logRegion.scrollHeight;
  };

  return {
    elements: [logRegion, composer, finished],
    addMessages(list) {
      let added = false;
      for (const message of list) {
        if (messages.has(message.id)) continue;
        const item = messageItem(message);
        messages.set(message.id, item);
        // New messages go above the resolved note and the rating card, which stay last.
        const last = resolvedNote.isConnected ? resolvedNote : cardItem.isConnected ? cardItem : null;
        log.insertBefore(item, last);
        added = true;
      }
      if (added) scrollToEnd();
    },
    setCard(state, wording) {
      if (!state) {
        cardItem.remove();
        return;
      }
      card.update(state, wording);
      if (!cardItem.isConnected) {
        log.append(cardItem);
        scrollToEnd();
        // The card is what the customer is asked to do now: keyboard and screen-reader users land on it.
        card.element.querySelector<HTMLElement>("h2")?.focus();
      }
    },
    hasCard: () => cardItem.isConnected,
    setResolved(resolved) {
      if (resolved && !resolvedNote.isConnected) {
        log.insertBefore(resolvedNote, cardItem.isConnected ? cardItem : null);
        scrollToEnd();
      } else if (!resolved) {
        resolvedNote.remove();
      }
      finished.hidden = !resolved;
    },
    focusComposer: () => input.focus(),
  };
}
