import type { Client } from "graphql-ws/client";
import {
  ConversationQuery,
  ConversationUpdatedSubscription,
  RequestError,
  SendMessageMutation,
  StartConversationMutation,
  SubmitCsatMutation,
  createWidgetSocket,
  request,
  type ConnectionState,
} from "./api";
import { createRatingCard, type CardState, type RatingCard } from "./card";
import { h, hidden, timeOf } from "./dom";
import type { WidgetConversationQuery } from "./gql/graphql";
import { browserStorage, readSession, writeSession, type StoredPrompt, type StoredSession } from "./store";
import "./widget.css";

type Conversation = NonNullable<WidgetConversationQuery["conversation"]>;
type Message = Conversation["messages"][number];

/** How often an open chat asks for new replies (there is no message subscription for visitors yet). */
/** Replies and status changes arrive over the socket (conversationUpdated); this only catches up. */
const POLL_MS = 30_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GONE = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"]);

const storage = browserStorage();
const channelId = new URLSearchParams(location.search).get("channel") ?? "";
const embedded = window.parent !== window;
const root = document.getElementById("widget") as HTMLElement;

/** Tells the page that embeds the widget (see embed.ts) to close the panel or draw attention to it. */
function notifyHost(type: "close" | "attention") {
  if (embedded) window.parent.postMessage({ source: "hydra-widget", type }, "*");
}

const status = h("p", { class: "w-status", role: "status" });
const body = h("div", { class: "w-body" });
root.append(
  h(
    "header",
    { class: "w-head" },
    h("div", null, h("h1", null, "Chat with us"), h("p", null, "We usually reply within a few minutes.")),
    embedded
      ? h("button", { type: "button", class: "w-close", "aria-label": "Close chat", onclick: () => notifyHost("close") }, "×")
      : null,
  ),
  status,
  body,
);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") notifyHost("close");
});

function field(id: string, label: string, control: HTMLElement, hint?: string) {
  return h("div", { class: "field" }, h("label", { for: id }, label, hint ? h("span", { class: "muted" }, ` ${hint}`) : null), control);
}

function showStart(notice: string | null = null) {
  const name = h("input", { id: "w-name", name: "name", autocomplete: "name", required: true, maxlength: 100 });
  const email = h("input", { id: "w-email", name: "email", type: "email", autocomplete: "email", maxlength: 254 });
  const message = h("textarea", { id: "w-message", name: "message", rows: 3, required: true, maxlength: 5000 });
  const error = h("p", { class: "err", role: "alert", id: "w-start-err" });
  const submit = h("button", { type: "submit", class: "btn" }, "Start chat");
  let busy = false;

  function fail(text: string, control?: HTMLInputElement | HTMLTextAreaElement) {
    error.textContent = text;
    for (const c of [name, email, message]) {
      if (c === control) c.setAttribute("aria-invalid", "true");
      else c.removeAttribute("aria-invalid");
    }
    // The email field keeps its hint; the error joins whichever field it is about.
    for (const c of [name, message]) c.toggleAttribute("aria-describedby", c === control);
    email.setAttribute("aria-describedby", email === control ? "w-email-hint w-start-err" : "w-email-hint");
    if (control && control !== email) control.setAttribute("aria-describedby", "w-start-err");
    control?.focus();
  }

  async function start(event: Event) {
    event.preventDefault();
    if (busy) return;
    const customer = { name: name.value.trim(), email: email.value.trim() || null };
    const firstMessage = message.value.trim();
    if (!customer.name) return fail("Enter your name.", name);
    if (customer.email && !EMAIL.test(customer.email)) return fail("Enter a valid email address, or leave it empty.", email);
    if (!firstMessage) return fail("Write a message so we know how to help.", message);
    fail("");
    busy = true;
    submit.textContent = "Starting…";
    submit.setAttribute("aria-busy", "true");
    try {
      const { startWidgetConversation: started } = await request(StartConversationMutation, {
        input: { channelId, customer, firstMessage },
      });
      const session: StoredSession = {
        conversationId: started.conversation.id,
        visitorToken: started.visitorToken,
        prompt: null,
        answer: null,
      };
      writeSession(storage, channelId, session);
      openChat(session, true);
    } catch (err) {
      fail(
        err instanceof RequestError && err.network
          ? "Can't reach us right now. Check your connection and try again."
          : err instanceof RequestError && err.code === "NOT_FOUND"
            ? "This chat is not set up correctly. Please contact us another way."
            : err instanceof RequestError && err.code === "BAD_USER_INPUT"
              ? err.message
              : "Something went wrong. Try again in a moment.",
      );
    } finally {
      busy = false;
      submit.textContent = "Start chat";
      submit.setAttribute("aria-busy", "false");
    }
  }

  body.replaceChildren(
    h(
      "form",
      { class: "w-start", novalidate: true, onsubmit: start, "aria-labelledby": "w-start-h" },
      h("h2", { id: "w-start-h" }, "Start a conversation"),
      notice ? h("p", { class: "notice" }, notice) : null,
      field("w-name", "Name", name),
      field("w-email", "Email", email, "(optional)"),
      h("p", { class: "hint", id: "w-email-hint" }, "Add it if you'd like a reply or a survey by email."),
      field("w-message", "How can we help?", message),
      error,
      submit,
    ),
  );
  email.setAttribute("aria-describedby", "w-email-hint");
  status.textContent = "";
  root.dataset.view = "start";
}

interface Chat {
  session: StoredSession;
  /** Set right after the chat exists: the client reports its first state synchronously. */
  socket: Client | null;
  timer: ReturnType<typeof setInterval>;
  log: HTMLOListElement;
  messages: Map<string, HTMLLIElement>;
  resolvedNote: HTMLLIElement;
  cardItem: HTMLLIElement;
  card: RatingCard;
  cardState: CardState | null;
  composer: HTMLFormElement;
  finished: HTMLDivElement;
  connection: ConnectionState;
  fetchFailed: boolean;
}

let chat: Chat | null = null;

function save(current: Chat) {
  writeSession(storage, channelId, current.session);
}

function closeChat() {
  if (!chat) return;
  clearInterval(chat.timer);
  void chat.socket?.dispose();
  chat = null;
}

/** The conversation is gone (or the customer starts over): forget it and offer a new one. */
function endChat(notice: string | null) {
  closeChat();
  writeSession(storage, channelId, null);
  showStart(notice);
}

function renderStatus(current: Chat) {
  const lost = current.connection === "offline" || current.fetchFailed;
  status.textContent = lost ? "Connection lost. Reconnecting…" : "";
  root.dataset.connection = lost ? "offline" : current.connection;
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

function addMessages(current: Chat, messages: readonly Message[]) {
  let added = false;
  for (const message of messages) {
    if (current.messages.has(message.id)) continue;
    const item = messageItem(message);
    current.messages.set(message.id, item);
    // New messages go above the resolved note or the rating card, which stay last.
    const last = current.cardItem.isConnected ? current.cardItem : current.resolvedNote.isConnected ? current.resolvedNote : null;
    current.log.insertBefore(item, last);
    added = true;
  }
  if (added) scrollToEnd(current);
}

function scrollToEnd(current: Chat) {
  current.log.scrollTop = current.log.scrollHeight;
}

function setCard(current: Chat, state: CardState | null) {
  current.cardState = state;
  if (!state) {
    current.cardItem.remove();
    return;
  }
  current.card.update(state);
  if (!current.cardItem.isConnected) {
    current.resolvedNote.remove();
    current.log.append(current.cardItem);
    scrollToEnd(current);
  }
}

function render(current: Chat, conversation: Conversation) {
  addMessages(current, conversation.messages);
  const resolved = conversation.status === "RESOLVED";
  // The rating card says it all; without one, a note marks the end of the conversation.
  if (resolved && !current.cardItem.isConnected) {
    if (!current.resolvedNote.isConnected) current.log.append(current.resolvedNote);
  } else {
    current.resolvedNote.remove();
  }
  current.composer.hidden = resolved;
  current.finished.hidden = !resolved;

  const survey = conversation.csatSurvey;
  const state = current.cardState;
  if (current.session.prompt && survey?.state === "SUBMITTED" && state?.kind === "ask" && !state.busy) {
    // Answered elsewhere (the email link) while the card was waiting here.
    setCard(current, { kind: "already", score: survey.score });
  }
}

async function refresh(current: Chat) {
  try {
    const { conversation } = await request(ConversationQuery, { id: current.session.conversationId }, current.session.visitorToken);
    if (chat !== current) return;
    current.fetchFailed = false;
    if (conversation) render(current, conversation);
    else endChat("Your previous chat has ended. Start a new one any time.");
  } catch (err) {
    if (chat !== current) return;
    if (err instanceof RequestError && !err.network && err.code && GONE.has(err.code)) {
      endChat("Your previous chat has ended. Start a new one any time.");
      return;
    }
    current.fetchFailed = true;
  }
  if (chat === current) renderStatus(current);
}

function onPrompt(current: Chat, prompt: StoredPrompt) {
  if (current.session.prompt?.surveyId === prompt.surveyId) return;
  current.session.prompt = prompt;
  current.session.answer = null;
  save(current);
  setCard(current, { kind: "ask", score: null, comment: "", busy: false, error: null });
  notifyHost("attention");
  void refresh(current);
}

async function submitRating(current: Chat) {
  const state = current.cardState;
  const prompt = current.session.prompt;
  if (state?.kind !== "ask" || state.busy || !prompt) return;
  if (!state.score) {
    setCard(current, { ...state, error: "Choose a rating from 1 to 5 stars." });
    return;
  }
  setCard(current, { ...state, busy: true, error: null });
  const comment = state.comment.trim();
  try {
    const { submitCsat } = await request(SubmitCsatMutation, { token: prompt.token, score: state.score, comment: comment || null });
    if (chat !== current) return;
    if (submitCsat.outcome === "ACCEPTED") {
      current.session.answer = { score: state.score, comment };
      save(current);
      setCard(current, { kind: "thanks", score: state.score });
    } else if (submitCsat.outcome === "ALREADY_SUBMITTED") {
      setCard(current, { kind: "already", score: submitCsat.survey?.score ?? null });
    } else {
      setCard(current, { kind: "expired" });
    }
  } catch (err) {
    if (chat !== current) return;
    setCard(current, {
      ...state,
      busy: false,
      error:
        err instanceof RequestError && err.code === "BAD_USER_INPUT"
          ? err.message
          : "Your rating wasn't sent. Check your connection and try again.",
    });
  }
}

function openChat(session: StoredSession, fresh = false) {
  closeChat();
  const log = h("ol", { class: "w-log", role: "log", "aria-label": "Messages" });
  const input = h("textarea", { id: "w-reply", rows: 1, maxlength: 5000, placeholder: "Write a message…" });
  const sendError = h("p", { class: "err", role: "alert" });
  const send = h("button", { type: "submit", class: "btn" }, "Send");

  async function sendMessage(event: Event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || send.getAttribute("aria-busy") === "true") return;
    send.setAttribute("aria-busy", "true");
    sendError.textContent = "";
    try {
      const { sendMessage: message } = await request(
        SendMessageMutation,
        { conversationId: session.conversationId, body: text },
        session.visitorToken,
      );
      input.value = "";
      if (chat === current) addMessages(current, [message]);
    } catch (err) {
      sendError.textContent =
        err instanceof RequestError && err.code === "BAD_USER_INPUT" ? err.message : "Message not sent. Check your connection and try again.";
    } finally {
      send.setAttribute("aria-busy", "false");
    }
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  const composer = h(
    "form",
    { class: "w-compose", onsubmit: sendMessage },
    h("label", { for: "w-reply", class: "vh" }, "Message"),
    input,
    send,
    sendError,
  );
  const finished = h(
    "div",
    { class: "w-finished", hidden: true },
    h("button", { type: "button", class: "btn btn--secondary", onclick: () => endChat(null) }, "Start a new conversation"),
  );

  const current: Chat = {
    session,
    socket: null,
    timer: setInterval(() => {
      if (document.visibilityState === "visible" && chat === current) void refresh(current);
    }, POLL_MS),
    log,
    messages: new Map(),
    resolvedNote: h("li", { class: "note" }, "This conversation was resolved."),
    cardItem: h("li", { class: "card-item" }),
    card: createRatingCard({
      onScore: (score) => {
        if (current.cardState?.kind === "ask") setCard(current, { ...current.cardState, score, error: null });
      },
      onComment: (comment) => {
        if (current.cardState?.kind === "ask") current.cardState = { ...current.cardState, comment };
      },
      onSubmit: () => void submitRating(current),
    }),
    cardState: null,
    composer,
    finished,
    connection: "connecting",
    fetchFailed: false,
  };
  current.cardItem.append(current.card.element);
  chat = current;
  current.socket = createWidgetSocket({
    visitorToken: session.visitorToken,
    onState: (state) => {
      if (chat !== current) return;
      const reconnected = state === "online" && current.connection === "offline";
      current.connection = state;
      renderStatus(current);
      // Whatever happened while the socket was down, catch up.
      if (reconnected) void refresh(current);
    },
    onRefused: () => {
      if (chat === current) endChat("Your previous chat has ended. Start a new one any time.");
    },
  });

  // One subscription: the survey's prompt when it is dispatched, and any reply or status change
  // (read the conversation again).
  current.socket.subscribe(
    { query: ConversationUpdatedSubscription.toString(), variables: { conversationId: session.conversationId } },
    {
      next: (result) => {
        if (chat !== current) return;
        const update = (result.data as { conversationUpdated?: { csatPrompt?: StoredPrompt | null } } | null | undefined)?.conversationUpdated;
        const prompt = update?.csatPrompt;
        if (prompt) onPrompt(current, { surveyId: prompt.surveyId, token: prompt.token, expiresAt: prompt.expiresAt });
        else if (update) void refresh(current);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );

  // A card that was showing before a reload comes back as it was.
  if (session.prompt) {
    setCard(
      current,
      session.answer
        ? { kind: "thanks", score: session.answer.score }
        : new Date(session.prompt.expiresAt) < new Date()
          ? { kind: "expired" }
          : { kind: "ask", score: null, comment: "", busy: false, error: null },
    );
  }

  body.replaceChildren(log, composer, finished);
  root.dataset.view = "chat";
  root.dataset.conversation = session.conversationId;
  renderStatus(current);
  void refresh(current);
  if (fresh) input.focus();
}

function boot() {
  if (!channelId) {
    body.replaceChildren(h("p", { class: "notice" }, "This chat is not set up: the page must give its channel id."));
    return;
  }
  const session = readSession(storage, channelId);
  if (session) openChat(session);
  else showStart();
}

addEventListener("online", () => chat && void refresh(chat));
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && chat && void refresh(chat));
boot();
