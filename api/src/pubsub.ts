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

/** Typed topics; one topic per conversation or workspace, never a filter over a shared one. */
export type Topics = {
  "csat:requested": [conversationId: string, payload: CsatPrompt];
  "csat:answered": [workspaceId: string, payload: CsatAnswered];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export function createLocalPubSub(): PubSub {
  return createPubSub<Topics>();
}
