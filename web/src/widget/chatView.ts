import { createRatingCard, type CardState, type CardWording, type RatingCard } from "./card";
import { h, hidden, timeOf } from "./dom";
import type { WidgetConversationQuery } from "./gql/graphql";

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
  /** Resolved: the composer gives way to "Start a new conversation", and a note ends the log. */
  setResolved(resolved: boolean): void;
  focusComposer(): void;
}

function messageItem(message: Message): HTMLLIElement {
  return h(
    "li",
    { class: `msg ${message.fromCustomer ? "msg--me" : "msg--them"}`, "data-id": message.id },
    hidden(message.fromCustomer ? "You: " : "Support: "),
    h("p", null, message.body),
    timeOf(message.createdAt),
  );
}

/** The chat's DOM: the message log with the resolved note or rating card last, and the composer. */
export function createChatView(handlers: ChatViewHandlers): ChatView {
  const log = h("ol", { class: "w-log", role: "log", "aria-label": "Messages" });
  const input = h("textarea", { id: "w-reply", rows: 1, maxlength: 5000, placeholder: "Write a message…" });
  const sendError = h("p", { class: "err", role: "alert" });
  const send = h("button", { type: "submit", class: "btn" }, "Send");
  const messages = new Map<string, HTMLLIElement>();
  const resolvedNote = h("li", { class: "note" }, "This conversation was resolved.");
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
    h("label", { for: "w-reply", class: "vh" }, "Message"),
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
    h("button", { type: "button", class: "btn btn--secondary", onclick: handlers.onStartOver }, "Start a new conversation"),
  );

  const scrollToEnd = () => {
    log.scrollTop = log.scrollHeight;
  };

  return {
    elements: [log, composer, finished],
    addMessages(list) {
      let added = false;
      for (const message of list) {
        if (messages.has(message.id)) continue;
        const item = messageItem(message);
        messages.set(message.id, item);
        // New messages go above the resolved note or the rating card, which stay last.
        const last = cardItem.isConnected ? cardItem : resolvedNote.isConnected ? resolvedNote : null;
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
        resolvedNote.remove();
        log.append(cardItem);
        scrollToEnd();
      }
    },
    hasCard: () => cardItem.isConnected,
    setResolved(resolved) {
      // The rating card says it all; without one, a note marks the end of the conversation.
      if (resolved && !cardItem.isConnected) {
        if (!resolvedNote.isConnected) log.append(resolvedNote);
      } else {
        resolvedNote.remove();
      }
      composer.hidden = resolved;
      finished.hidden = !resolved;
    },
    focusComposer: () => input.focus(),
  };
}
