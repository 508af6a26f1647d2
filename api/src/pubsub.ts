import { filter, map, pipe } from "graphql-yoga";
import type { Bot, Channel } from "./generated/prisma/client.js";
import type { CsatAnswerVia } from "./generated/prisma/enums.js";
import type { TopicPubSub } from "./topicFeed.js";

/** What a customer's open widget receives at dispatch. */
export interface CsatPrompt {
  surveyId: string;
  conversationId: string;
  question: string;
  token: string;
  expiresAt: Date;
  /** The survey's language (BCP 47), its thank-you, and the reasons offered at or below reasonsAtOrBelow. */
  locale: string;
  thankYou: string;
  reasons: string[];
  reasonsAtOrBelow: number;
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

/** A follow-up of a workspace was opened (by a low answer) or changed (by a teammate or API key). */
export interface CsatFollowUpChanged {
  followUpId: string;
  /** Set when an answer just opened it. */
  surveyId?: string;
}

export type ConversationChangeKind = "CREATED" | "MESSAGE" | "RESOLVED" | "REOPENED" | "ANSWERED" | "ASSIGNED" | "LABELED";

/** A committed change to one conversation. */
export interface ConversationEvent {
  conversationId: string;
  change: ConversationChangeKind;
  at: Date;
}

/** The conversation's survey asks its customer now: for the conversation's own widget alone. */
export interface CsatPromptEvent {
  conversationId: string;
  change: "CSAT_REQUESTED";
  at: Date;
  csatPrompt: CsatPrompt;
}

/** What a conversation's widget hears, on its one topic: the conversation's changes and its survey prompt. */
export type VisitorEvent = ConversationEvent | CsatPromptEvent;

/**
 * A credential that ended: a session signed out, an API key revoked, or every session of a
 * teammate (deactivated). Each process closes the sockets it authenticated with it.
 */
export interface CredentialRevoked {
  /** A visitor's is its conversation's id: its token ends when the customer is erased. */
  kind: "session" | "apiKey" | "teammate" | "visitor";
  id: string;
}

/**
 * Typed topics; one topic per listener (a workspace's inboxes, teammates following a conversation,
 * a conversation's widget), never a filter over a shared one. A topic with an id is the channel
 * `<topic>:<id>` (in Redis too).
 */
export type Topics = {
  /** Every conversation of a workspace: its open inboxes (`conversationChanged`). */
  "workspace:conversations": [workspaceId: string, event: ConversationEvent];
  /** One conversation, for the teammates following it (`conversationUpdated`). */
  conversation: [conversationId: string, event: ConversationEvent];
  /**
   * One conversation's widget (`conversationUpdated` and `csatRequested` with a visitor token): its
   * changes and its survey prompt. Its subscribers are the widget's presence (see fanout.ts).
   */
  visitor: [conversationId: string, event: VisitorEvent];
  "csat:answered": [workspaceId: string, payload: CsatAnswered];
  /** A workspace's follow-ups, opened or changed: its Follow-ups pages and open-count badges (`csatFollowUpChanged`). */
  "csat:followups": [workspaceId: string, payload: CsatFollowUpChanged];
  /** Heard by every process (through Redis when several run). */
  "credentials:revoked": [payload: CredentialRevoked];
};

export type PubSub = TopicPubSub<Topics>;

/** Tells the workspace's open inboxes, the teammates following the conversation and its widget, once the change is committed. */
export function publishConversationEvent(pubsub: PubSub, workspaceId: string, event: ConversationEvent): void {
  pubsub.publish("workspace:conversations", workspaceId, event);
  pubsub.publish("conversation", event.conversationId, event);
  pubsub.publish("visitor", event.conversationId, event);
}

/** Gives the conversation's open widget its survey prompt, once the dispatch is committed. */
export function publishCsatPrompt(pubsub: PubSub, prompt: CsatPrompt, at: Date): void {
  pubsub.publish("visitor", prompt.conversationId, { conversationId: prompt.conversationId, change: "CSAT_REQUESTED", at, csatPrompt: prompt });
}

/** The survey prompts of a widget's feed; ending them ends the feed at once. */
export function csatPromptsOf(feed: AsyncIterable<VisitorEvent>): AsyncIterable<CsatPrompt> {
  return pipe(
    feed,
    filter((event: VisitorEvent): event is CsatPromptEvent => event.change === "CSAT_REQUESTED"),
    map((event: CsatPromptEvent) => event.csatPrompt),
  );
}

/** Tells every process that a credential ended, so each closes the sockets it opened with it. */
export function publishRevocation(pubsub: PubSub, revoked: CredentialRevoked): void {
  pubsub.publish("credentials:revoked", revoked);
}
