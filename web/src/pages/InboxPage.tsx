import { useId, useState } from "react";
import { useQuery } from "urql";
import { ConversationDetail } from "../components/ConversationDetail";
import { ConversationItem } from "../components/ConversationItem";
import { describeError } from "../errors";
import { graphql } from "../gql";
import type { ConversationStatus } from "../gql/graphql";
import { useConversationChanged } from "../useConversationChanged";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";

const InboxQuery = graphql(`
  query Inbox($status: ConversationStatus) {
    conversations(status: $status) {
      id
      ...ConversationItem_Conversation
    }
  }
`);

type StatusFilter = ConversationStatus | "ALL";

const FILTERS: { value: StatusFilter; label: string }[] = [
  { value: "ALL", label: "All" },
  { value: "OPEN", label: "Open" },
  { value: "RESOLVED", label: "Resolved" },
];

/**
 * Changes arrive at once (conversationChanged); the list also refreshes itself this
 * often, and on window focus, for whatever a dropped socket missed.
 */
const REFRESH_MS = 30_000;

/** `/inbox` (the list) and `/inbox/:id` (the list beside one conversation; on a phone, the conversation alone). */
export function InboxPage({ conversationId }: { conversationId: string | null }) {
  useDocumentTitle("Inbox");
  const filterId = useId();
  const [filter, setFilter] = useState<StatusFilter>("ALL");
  const [{ data, fetching, error }, refetch] = useQuery({
    query: InboxQuery,
    variables: { status: filter === "ALL" ? null : filter },
  });
  useLiveRefetch(() => refetch({ requestPolicy: "network-only" }), REFRESH_MS);
  // Started, replied to, resolved, reopened, or its survey answered: the list reads itself again.
  useConversationChanged(() => refetch({ requestPolicy: "network-only" }));
  const conversations = data?.conversations;

  return (
    <section className={`page inbox${conversationId ? " inbox--detail" : ""}`} aria-labelledby="inbox-heading">
      <div className="inbox__list">
        <div className="page__header">
          <h1 id="inbox-heading" tabIndex={-1}>
            Inbox
          </h1>
          <div className="toolbar">
            <label htmlFor={filterId}>Show</label>
            <select id={filterId} value={filter} onChange={(event) => setFilter(event.target.value as StatusFilter)}>
              {FILTERS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => refetch({ requestPolicy: "network-only" })}
              aria-busy={fetching}
            >
              Refresh
            </button>
          </div>
        </div>
        <p role="status" className="page__status">
          {fetching && !conversations ? "Loading conversations…" : ""}
        </p>
        {error && !conversations ? (
          <p role="alert" className="alert">
            {describeError(error)}
          </p>
        ) : null}
        {conversations && conversations.length === 0 ? <p>No conversations here yet.</p> : null}
        {conversations && conversations.length > 0 ? (
          <ul className="conversation-list" aria-label="Conversations">
            {conversations.map((conversation) => (
              <ConversationItem
                key={conversation.id}
                conversation={conversation}
                selected={conversation.id === conversationId}
              />
            ))}
          </ul>
        ) : null}
      </div>
      {conversationId ? (
        <ConversationDetail id={conversationId} />
      ) : (
        <p className="inbox__empty muted">Choose a conversation to read it, reply, resolve or reopen it.</p>
      )}
    </section>
  );
}
