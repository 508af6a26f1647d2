import { useEffect, useRef } from "react";
import { useSubscription } from "urql";
import { graphql } from "./gql";

const ConversationChangedSubscription = graphql(`
  subscription ConversationChanged {
    conversationChanged {
      conversationId
      change
    }
  }
`);

/**
 * Calls `onChange` for every change to a conversation of the workspace (started, new message,
 * resolved, reopened), as it is committed (graphql-ws); each event once, however close together.
 */
export function useConversationChanged(onChange: (change: { conversationId: string; change: string }) => void): void {
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  useSubscription({ query: ConversationChangedSubscription }, (_previous, event) => {
    latest.current(event.conversationChanged);
    return event;
  });
}
