import { useCallback, useEffect, useRef, useState } from "react";
import { useClient } from "urql";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import type { OlderMessagesQuery } from "../gql/graphql";

const OlderMessagesQueryDoc = graphql(`
  query OlderMessages($id: ID!, $before: ID!, $first: Int) {
    conversation(id: $id) {
      id
      messages(first: $first, before: $before) {
        id
        body
        fromCustomer
        createdAt
      }
    }
  }
`);

type OlderMessage = NonNullable<OlderMessagesQuery["conversation"]>["messages"][number];

/** How many the detail's own query reads (Conversation.messages' default): a full page may have older ones. */
const DETAIL_PAGE = 100;
const PAGE = 50;

/**
 * The messages before the detail's newest 100, read a page at a time as the reader scrolls up to
 * them (or presses the button), shown above the detail's own list.
 */
export function OlderMessages(props: { conversationId: string; oldestShown: string | undefined; shown: number; customerName: string }) {
  const client = useClient();
  const [older, setOlder] = useState<OlderMessage[]>([]);
  const [more, setMore] = useState(props.shown >= DETAIL_PAGE);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const top = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setOlder([]);
    setMore(props.shown >= DETAIL_PAGE);
    // A new conversation, or its first page changed from the start: begin again.
  }, [props.conversationId]);

  const before = older[0]?.id ?? props.oldestShown;
  const load = useCallback(async () => {
    if (!before || loading) return;
    setLoading(true);
    const result = await client.query(OlderMessagesQueryDoc, { id: props.conversationId, before, first: PAGE }, { requestPolicy: "network-only" }).toPromise();
    setLoading(false);
    if (result.error) return setError(describeError(result.error));
    const page = result.data?.conversation?.messages ?? [];
    setError(null);
    setOlder((have) => [...page, ...have]);
    setMore(page.length === PAGE);
  }, [before, loading, client, props.conversationId]);

  // Scrolling arms it: a conversation opens at its top, and should not read every page at once then.
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (armed) return;
    const arm = () => setArmed(true);
    window.addEventListener("scroll", arm, { capture: true, passive: true, once: true });
    return () => window.removeEventListener("scroll", arm, { capture: true });
  }, [armed]);

  useEffect(() => {
    const el = top.current;
    if (!el || !more || !armed) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void load();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [more, load, armed]);

  if (!more && older.length === 0) return null;
  return (
    <>
      {more ? (
        <div ref={top} className="messages__older">
          <button type="button" className="button button--secondary button--small" onClick={() => void load()} aria-busy={loading}>
            {loading ? "Loading older messages…" : "Load older messages"}
          </button>
        </div>
      ) : (
        <p className="messages__older muted">The start of the conversation.</p>
      )}
      {error ? (
        <p role="alert" className="alert">
          {error}
        </p>
      ) : null}
      {older.length ? (
        <ol className="messages messages--older" aria-label="Older messages">
          {older.map((message) => (
            <li key={message.id} className={`message ${message.fromCustomer ? "message--customer" : "message--team"}`}>
              <span className="message__author">{message.fromCustomer ? props.customerName : "Team"}</span>
              <p className="message__body">{message.body || <span className="muted">(erased)</span>}</p>
              <Time value={message.createdAt} />
            </li>
          ))}
        </ol>
      ) : null}
    </>
  );
}
