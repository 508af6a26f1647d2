import { createPubSub } from "graphql-yoga";
import type { Bot, Channel } from "./generated/prisma/client.js";
import type { CsatAnswerVia } from "./generated/prisma/enums.js";

/** What a customer's open widget receives at dispatch. */
export interface CsatPrompt {
  surveyId: string;
  conversationId: string;
  question: string;
  token: string;
  expiresAt: Date;
}

/** What a workspace's open report pages and inboxes receive when one of its surveys is answered. */
export interface CsatAnswered {
  surveyId: string;
  conversationId: string;
  score: number;
  comment: string | null;
  answeredAt: Date;
  answeredVia: CsatAnswerVia;
  dispatchedAt: Date;
  /** Null when the survey has none, or it was deleted. */
  bot: Bot | null;
  channel: Channel | null;
}

export type ConversationChangeKind = "CREATED" | "MESSAGE" | "RESOLVED" | "REOPENED" | "ANSWERED" | "CSAT_REQUESTED";

/** What a workspace's open inboxes receive when one of its conversations changes (after commit). */
export interface ConversationChanged {
  conversationId: string;
  change: ConversationChangeKind;
  at: Date;
  /** With CSAT_REQUESTED, on the conversation's own widget's feed only. */
  csatPrompt?: CsatPrompt;
}

/**
 * A credential that ended: a session signed out, an API key revoked, or every session of a
 * teammate (deactivated). Each process closes the sockets it authenticated with it.
 */
export interface CredentialRevoked {
  /** A visitor's is its conversation's id: its token ends when the customer is erased. */
  kind: "session" | "apiKey" | "teammate" | "visitor";
  id: string;
}

/** Typed topics; one topic per conversation or workspace, never a filter over a shared one. */
export type Topics = {
  "csat:requested": [conversationId: string, payload: CsatPrompt];
  "csat:answered": [workspaceId: string, payload: CsatAnswered];
  "conversation:changed": [workspaceId: string, payload: ConversationChanged];
  /** The same changes, per conversation: for its own widget. */
  "conversation:updated": [conversationId: string, payload: ConversationChanged];
  /** Heard by every process (through Redis when several run). */
  "credentials:revoked": [payload: CredentialRevoked];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export function createLocalPubSub(): PubSub {
  return createPubSub<Topics>();
}

/** Tells the workspace's open inboxes and the conversation's own widget, once the change is committed. */
export function publishConversationChange(
  pubsub: PubSub,
  workspaceId: string,
  change: ConversationChanged,
): void {
  pubsub.publish("conversation:changed", workspaceId, change);
  pubsub.publish("conversation:updated", change.conversationId, change);
}

/** Tells every process that a credential ended, so each closes the sockets it opened with it. */
export function publishRevocation(pubsub: PubSub, revoked: CredentialRevoked): void {
  pubsub.publish("credentials:revoked", revoked);
}
