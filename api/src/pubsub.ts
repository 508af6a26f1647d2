import { createPubSub } from "graphql-yoga";

/** What a customer's open widget receives at dispatch. */
export interface CsatPrompt {
  surveyId: string;
  conversationId: string;
  question: string;
  token: string;
  expiresAt: Date;
}

/** Typed topics; one topic per conversation, never a filter over a shared one. */
export type Topics = {
  "csat:requested": [conversationId: string, payload: CsatPrompt];
};

export type PubSub = ReturnType<typeof createPubSub<Topics>>;

export function createLocalPubSub(): PubSub {
  return createPubSub<Topics>();
}
