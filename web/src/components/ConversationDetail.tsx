import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useMutation, useQuery } from "urql";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import { Link } from "../router";
import { useConversationChanged } from "../useConversationChanged";
import { useLiveRefetch } from "../useLiveRefetch";
import { ChannelAndBot } from "./ChannelAndBot";
import { ConversationAssignment } from "./ConversationAssignment";
import { EraseCustomer } from "./EraseCustomer";
import { OlderMessages } from "./OlderMessages";
import { SurveyStatus } from "./SurveyStatus";

const ConversationDetailQuery = graphql(`
  query ConversationDetail($id: ID!) {
    conversation(id: $id) {
      id
      status
      createdAt
      resolvedAt
      csatSkipReason
      customer {
        id
        name
        email
      }
      channel {
        id
        name
      }
      bot {
        id
        name
      }
      messages {
        id
        body
        fromCustomer
        createdAt
        author {
          id
          name
        }
      }
      csatSurvey {
        ...SurveyStatus_CsatSurvey
      }
    }
  }
`);

/** What Resolve and Reopen change, read back so urql's cache updates the detail and the list. */
export const ConversationStateFragment = graphql(`
  fragment ConversationState_Conversation on Conversation {
    id
    status
    resolvedAt
    updatedAt
    csatSkipReason
    csatSurvey {
      ...SurveyStatus_CsatSurvey
      ...SurveyBadge_CsatSurvey
    }
  }
`);

const ResolveMutation = graphql(`
  mutation ResolveConversation($id: ID!, $skipCsat: Boolean) {
    resolveConversation(id: $id, skipCsat: $skipCsat) {
      ...ConversationState_Conversation
    }
  }
`);

const ReopenMutation = graphql(`
  mutation ReopenConversation($id: ID!) {
    reopenConversation(id: $id) {
      ...ConversationState_Conversation
    }
  }
`);

const ReplyMutation = graphql(`
  mutation Reply($conversationId: ID!, $body: String!) {
    sendMessage(conversationId: $conversationId, body: $body) {
      id
      body
      fromCustomer
      createdAt
      author {
        id
        name
      }
    }
  }
`);

/**
 * New messages, status changes and survey answers arrive at once (conversationChanged); an open
 * conversation also checks this often, and on focus, for what a dropped socket missed.
 */
const REFRESH_MS = 30_000;

export function ConversationDetail({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: ConversationDetailQuery, variables: { id } });
  useLiveRefetch(() => refetch({ requestPolicy: "network-only" }), REFRESH_MS);
  useConversationChanged((change) => {
    if (change.conversationId === id) refetch({ requestPolicy: "network-only" });
  });
  const [resolveState, resolve] = useMutation(ResolveMutation);
  const [reopenState, reopen] = useMutation(ReopenMutation);
  const [actionError, setActionError] = useState<string | null>(null);
  const conversation = data?.conversation;

  useEffect(() => setActionError(null), [id]);

  // Opening a conversation moves focus to it (on a phone the list it was chosen from is hidden).
  const heading = useRef<HTMLHeadingElement>(null);
  const focusedFor = useRef<string | null>(null);
  const loaded = Boolean(conversation);
  useEffect(() => {
    if (!loaded || focusedFor.current === id) return;
    focusedFor.current = id;
    heading.current?.focus();
  }, [id, loaded]);

  if (!conversation) {
    return (
      <section className="detail" aria-label="Conversation">
        <p role="status">{fetching ? "Loading the conversation…" : ""}</p>
        {error ? (
          <p role="alert" className="alert">
            {error.graphQLErrors[0]?.extensions?.code === "NOT_FOUND" ? "This conversation does not exist." : describeError(error)}
          </p>
        ) : null}
        <BackLink />
      </section>
    );
  }

  const open = conversation.status === "OPEN";
  const busy = resolveState.fetching || reopenState.fetching;

  // The first resolve decides the survey; resolving without one is offered until then.
  const undecided = open && !conversation.csatSurvey && !conversation.csatSkipReason;

  async function toggleStatus(skipCsat = false) {
    if (busy) return;
    setActionError(null);
    const result = open ? await resolve({ id, ...(skipCsat ? { skipCsat: true } : {}) }) : await reopen({ id });
    if (result.error) setActionError(describeError(result.error));
  }

  return (
    <section className="detail" aria-labelledby="detail-heading">
      <BackLink />
      <div className="detail__header">
        <div>
          <h2 id="detail-heading" tabIndex={-1} ref={heading}>
            {conversation.customer.name}
          </h2>
          <dl className="conversation__meta">
            <div>
              <dt>Email</dt>
              <dd>{conversation.customer.email ?? "none given"}</dd>
            </div>
            <ChannelAndBot channel={conversation.channel} bot={conversation.bot} />
            <div>
              <dt>Status</dt>
              <dd>{open ? "Open" : "Resolved"}</dd>
            </div>
          </dl>
        </div>
        <div className="detail__actions">
          <button type="button" className={`button${open ? "" : " button--secondary"}`} onClick={() => void toggleStatus()} aria-busy={busy}>
            {open ? (busy ? "Resolving…" : "Resolve") : busy ? "Reopening…" : "Reopen"}
          </button>
          {undecided ? (
            <button type="button" className="button button--secondary" onClick={() => void toggleStatus(true)} aria-busy={busy} disabled={busy}>
              Resolve without survey
            </button>
          ) : null}
        </div>
      </div>
      {actionError ? (
        <p role="alert" className="alert">
          {actionError}
        </p>
      ) : null}
      <ConversationAssignment conversationId={conversation.id} />
      <EraseCustomer
        customerId={conversation.customer.id}
        customerName={conversation.customer.name}
        onErased={() => refetch({ requestPolicy: "network-only" })}
      />
      <OlderMessages conversationId={conversation.id} oldestShown={conversation.messages[0]?.id} shown={conversation.messages.length} customerName={conversation.customer.name} />
      <ol className="messages" aria-label="Messages">
        {conversation.messages.map((message) => (
          <li key={message.id} className={`message ${message.fromCustomer ? "message--customer" : "message--team"}`}>
            <span className="message__author">{message.fromCustomer ? conversation.customer.name : (message.author?.name ?? "Team")}</span>
            <p className="message__body">{message.body || <span className="muted">(erased)</span>}</p>
            <Time value={message.createdAt} />
          </li>
        ))}
        {conversation.messages.length === 0 ? <li className="muted">No messages yet.</li> : null}
      </ol>
      <ReplyBox conversationId={conversation.id} />
      <SurveyStatus
        survey={conversation.csatSurvey ?? null}
        conversationOpen={open}
        resolvedBefore={!open}
        skipReason={conversation.csatSkipReason ?? null}
      />
    </section>
  );
}

function BackLink() {
  return (
    <Link to="/inbox" className="detail__back">
      ← All conversations
    </Link>
  );
}

function ReplyBox({ conversationId }: { conversationId: string }) {
  const id = useId();
  const [body, setBody] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [{ fetching }, reply] = useMutation(ReplyMutation);
  const field = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setBody("");
    setMessage(null);
  }, [conversationId]);

  async function send(event?: FormEvent) {
    event?.preventDefault();
    if (fetching) return;
    if (!body.trim()) {
      setMessage("Write a reply first.");
      field.current?.focus();
      return;
    }
    setMessage(null);
    const result = await reply({ conversationId, body: body.trim() });
    if (result.error) setMessage(describeError(result.error));
    else setBody("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) void send();
  }

  return (
    <form className="reply" onSubmit={send}>
      <label htmlFor={`${id}-reply`}>Reply</label>
      <textarea
        id={`${id}-reply`}
        ref={field}
        rows={3}
        value={body}
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={onKeyDown}
        aria-invalid={message ? true : undefined}
        aria-describedby={`${id}-hint${message ? ` ${id}-error` : ""}`}
      />
      <p id={`${id}-hint`} className="hint">
        Ctrl+Enter sends.
      </p>
      {message ? (
        <p id={`${id}-error`} role="alert" className="field-error">
          {message}
        </p>
      ) : null}
      <button type="submit" className="button" aria-busy={fetching}>
        {fetching ? "Sending…" : "Send reply"}
      </button>
    </form>
  );
}
