import type { Client } from "graphql-ws/client";
import {
  ConversationQuery,
  ConversationUpdatedSubscription,
  RequestError,
  SendMessageMutation,
  SubmitCsatMutation,
  createWidgetSocket,
  request,
  type ConnectionState,
} from "./api";
import type { CardState } from "./card";
import { createChatView, type Conversation } from "./chatView";
import type { StoredPrompt, StoredSession } from "./store";

/** Replies and status changes arrive over the socket (conversationUpdated); this only catches up. */
const POLL_MS = 30_000;
const GONE = new Set(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"]);
const ENDED = "Your previous chat has ended. Start a new one any time.";

export interface ChatOptions {
  session: StoredSession;
  /** Where the chat's view goes. */
  mount(elements: HTMLElement[]): void;
  /** Keeps the session (prompt and answer included) across reloads. */
  save(session: StoredSession): void;
  /** The conversation is gone, or the customer starts over (notice null). */
  onEnded(notice: string | null): void;
  /** Whether the chat has lost its connection (socket down or the last fetch failed). */
  onConnection(state: ConnectionState, lost: boolean): void;
  /** A survey prompt arrived: the host page may want to draw attention to the widget. */
  onAttention(): void;
}

export interface Chat {
  refresh(): void;
  close(): void;
}

/**
 * One open conversation: its socket (one subscription: changes and the survey prompt), a slow poll
 * that catches up on whatever a dropped socket missed, sending messages, and the rating card's state.
 */
export function openChat(options: ChatOptions, focus = false): Chat {
  const { session } = options;
  let closed = false;
  let cardState: CardState | null = null;
  let connection: ConnectionState = "connecting";
  let fetchFailed = false;
  let socket: Client | null = null;

  const view = createChatView({
    onSend: async (text) => {
      try {
        const { sendMessage: message } = await request(SendMessageMutation, { conversationId: session.conversationId, body: text }, session.visitorToken);
        if (!closed) view.addMessages([message]);
        return { ok: true };
      } catch (err) {
        return {
          ok: false,
          error: err instanceof RequestError && err.code === "BAD_USER_INPUT" ? err.message : "Message not sent. Check your connection and try again.",
        };
      }
    },
    onScore: (score) => {
      if (cardState?.kind === "ask") setCard({ ...cardState, score, error: null });
    },
    onComment: (comment) => {
      if (cardState?.kind === "ask") cardState = { ...cardState, comment };
    },
    onReason: (reason) => {
      if (cardState?.kind === "ask") setCard({ ...cardState, reason, error: null });
    },
    onSubmitRating: () => void submitRating(),
    onStartOver: () => end(null),
  });

  function setCard(state: CardState | null) {
    cardState = state;
    view.setCard(state, session.prompt);
  }

  function reportConnection() {
    options.onConnection(connection, connection === "offline" || fetchFailed);
  }

  function close() {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    void socket?.dispose();
  }

  function end(notice: string | null) {
    close();
    options.onEnded(notice);
  }

  function render(conversation: Conversation) {
    view.addMessages(conversation.messages);
    view.setResolved(conversation.status === "RESOLVED");
    const survey = conversation.csatSurvey;
    if (session.prompt && survey?.state === "SUBMITTED" && cardState?.kind === "ask" && !cardState.busy) {
      // Answered elsewhere (the email link) while the card was waiting here.
      setCard({ kind: "already", score: survey.score });
    }
  }

  async function refresh() {
    try {
      const { conversation } = await request(ConversationQuery, { id: session.conversationId }, session.visitorToken);
      if (closed) return;
      fetchFailed = false;
      if (conversation) render(conversation);
      else return end(ENDED);
    } catch (err) {
      if (closed) return;
      if (err instanceof RequestError && !err.network && err.code && GONE.has(err.code)) return end(ENDED);
      fetchFailed = true;
    }
    if (!closed) reportConnection();
  }

  function onPrompt(prompt: StoredPrompt) {
    if (session.prompt?.surveyId === prompt.surveyId) return;
    session.prompt = prompt;
    session.answer = null;
    options.save(session);
    setCard({ kind: "ask", score: null, comment: "", reason: null, busy: false, error: null });
    options.onAttention();
    void refresh();
  }

  async function submitRating() {
    const state = cardState;
    const prompt = session.prompt;
    if (state?.kind !== "ask" || state.busy || !prompt) return;
    if (!state.score) {
      setCard({ ...state, error: "errorNoScore" });
      return;
    }
    setCard({ ...state, busy: true, error: null });
    const comment = state.comment.trim();
    // A reason goes only with a score it is offered for.
    const reason = state.score <= (prompt.reasonsAtOrBelow ?? 0) ? state.reason : null;
    try {
      const { submitCsat } = await request(SubmitCsatMutation, { token: prompt.token, score: state.score, comment: comment || null, reason });
      if (closed) return;
      if (submitCsat.outcome === "ACCEPTED") {
        session.answer = { score: state.score, comment };
        options.save(session);
        setCard({ kind: "thanks", score: state.score });
      } else if (submitCsat.outcome === "ALREADY_SUBMITTED") {
        setCard({ kind: "already", score: submitCsat.survey?.score ?? null });
      } else {
        setCard({ kind: "expired" });
      }
    } catch {
      if (closed) return;
      setCard({
        ...state,
        busy: false,
        error: "errorNotSent",
      });
    }
  }

  const timer = setInterval(() => {
    if (document.visibilityState === "visible" && !closed) void refresh();
  }, POLL_MS);

  socket = createWidgetSocket({
    visitorToken: session.visitorToken,
    onState: (state) => {
      if (closed) return;
      const reconnected = state === "online" && connection === "offline";
      connection = state;
      reportConnection();
      // Whatever happened while the socket was down, catch up.
      if (reconnected) void refresh();
    },
    onRefused: () => {
      if (!closed) end(ENDED);
    },
  });

  // One subscription: the survey's prompt when it is dispatched, and any reply or status change
  // (read the conversation again).
  socket.subscribe(
    { query: ConversationUpdatedSubscription.toString(), variables: { conversationId: session.conversationId } },
    {
      next: (result) => {
        if (closed) return;
        const update = (result.data as { conversationUpdated?: { csatPrompt?: StoredPrompt | null } } | null | undefined)?.conversationUpdated;
        const prompt = update?.csatPrompt;
        if (prompt) onPrompt(prompt);
        else if (update) void refresh();
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );

  // A card that was showing before a reload comes back as it was.
  if (session.prompt) {
    setCard(
      session.answer
        ? { kind: "thanks", score: session.answer.score }
        : new Date(session.prompt.expiresAt) < new Date()
          ? { kind: "expired" }
          : { kind: "ask", score: null, comment: "", reason: null, busy: false, error: null },
    );
  }

  options.mount(view.elements);
  reportConnection();
  void refresh();
  if (focus) view.focusComposer();
  return { refresh: () => void refresh(), close };
}
