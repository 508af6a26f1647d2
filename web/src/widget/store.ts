/** What the widget keeps in localStorage so a reload or a network drop keeps its conversation. */
export interface StoredPrompt {
  surveyId: string;
  token: string;
  expiresAt: string;
  /** The survey's language and wording (CsatPrompt); absent in a prompt kept by an older widget. */
  locale?: string;
  question?: string;
  thankYou?: string;
  reasons?: string[];
  reasonsAtOrBelow?: number;
}

export interface StoredAnswer {
  score: number;
  comment: string;
}

export interface StoredSession {
  conversationId: string;
  visitorToken: string;
  /** The rating card the server asked for, kept until it is answered or the chat ends. */
  prompt: StoredPrompt | null;
  /** What this widget submitted, to show the thank-you state after a reload. */
  answer: StoredAnswer | null;
}

type ReadableStorage = Pick<Storage, "getItem">;
type WritableStorage = Pick<Storage, "setItem" | "removeItem">;

/** One session per channel, so two widgets of different workspaces on one site stay apart. */
export const sessionKey = (channelId: string) => `hydra.widget.${channelId}`;

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

function readPrompt(value: unknown): StoredPrompt | null {
  if (typeof value !== "object" || value === null) return null;
  const { surveyId, token, expiresAt, locale, question, thankYou, reasons, reasonsAtOrBelow } = value as Record<string, unknown>;
  if (!isString(surveyId) || !isString(token) || !isString(expiresAt)) return null;
  // The survey's language and wording, when the prompt that was kept carried them.
  return {
    surveyId,
    token,
    expiresAt,
    ...(isString(locale) ? { locale } : {}),
    ...(isString(question) ? { question } : {}),
    ...(isString(thankYou) ? { thankYou } : {}),
    ...(Array.isArray(reasons) && reasons.every(isString) ? { reasons } : {}),
    ...(typeof reasonsAtOrBelow === "number" ? { reasonsAtOrBelow } : {}),
  };
}

function readAnswer(value: unknown): StoredAnswer | null {
  if (typeof value !== "object" || value === null) return null;
  const { score, comment } = value as Record<string, unknown>;
  return typeof score === "number" && Number.isInteger(score) && score >= 1 && score <= 5
    ? { score, comment: typeof comment === "string" ? comment : "" }
    : null;
}

/** The stored session for `channelId`, or null when there is none or it is unreadable. */
export function readSession(storage: ReadableStorage | null, channelId: string): StoredSession | null {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(sessionKey(channelId)) ?? null;
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    if (!isString(value.conversationId) || !isString(value.visitorToken)) return null;
    return {
      conversationId: value.conversationId,
      visitorToken: value.visitorToken,
      prompt: readPrompt(value.prompt),
      answer: readAnswer(value.answer),
    };
  } catch {
    return null;
  }
}

/** Stores the session; storage that is full or switched off only costs persistence. */
export function writeSession(storage: WritableStorage | null, channelId: string, session: StoredSession | null): void {
  try {
    if (session) storage?.setItem(sessionKey(channelId), JSON.stringify(session));
    else storage?.removeItem(sessionKey(channelId));
  } catch {
    // Private mode or quota: the chat still works until the page is closed.
  }
}

/** localStorage, or null where reading it throws (sandboxed frames, some privacy settings). */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
