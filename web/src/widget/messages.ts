/**
 * The widget's words for the chat around the rating card (issue 16), in one place so they can move
 * to per-language catalogs as they are; the card's own words live in card.ts.
 */
export const messages = {
  resolvedNote: "This conversation was resolved.",
  resolvedHint: "Write below if you need anything else: the conversation opens again.",
  startOver: "Start a new conversation",
  messagesLabel: "Messages",
  composerLabel: "Message",
  composerPlaceholder: "Write a message…",
  send: "Send",
  you: "You: ",
  support: "Support: ",
  closeChat: "Close chat",
  close: "Close",
} as const;
