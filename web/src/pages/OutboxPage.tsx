import { useId, useState } from "react";
import { useQuery } from "urql";
import { AdminOnly } from "../components/Forbidden";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import type { EmailState } from "../gql/graphql";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";

const OutboxQuery = graphql(`
  query Outbox {
    emailOutbox {
      id
      to
      subject
      state
      attempts
      lastError
      createdAt
      sentAt
      html
      text
      previewUrl
    }
  }
`);

const STATE_LABEL: Record<EmailState, string> = {
  RECORDED: "Recorded (not sent)",
  PENDING: "Waiting to send",
  SENDING: "Sending",
  SENT: "Sent",
  FAILED: "Failed",
  SUPPRESSED: "Not sent (unsubscribed)",
};

/**
 * Links in the preview open in a new tab: the rating page refuses to be framed, and the sandbox
 * (no scripts, no same origin) only lets them out as top-level tabs.
 */
const previewDocument = (html: string) => `<base target="_blank">${html}`;

/** `/outbox`: the survey emails, as recorded (without RESEND_API_KEY) or sent, each viewable as rendered (admins only). */
export function OutboxPage() {
  useDocumentTitle("Outbox");
  const id = useId();
  const me = useCurrentTeammate();
  const admin = me?.role === "ADMIN";
  const [{ data, error, fetching }, refetch] = useQuery({ query: OutboxQuery, pause: !admin });
  useLiveRefetch(() => refetch({ requestPolicy: "network-only" }), 10_000, admin);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const emails = data?.emailOutbox;
  const selected = emails?.find((email) => email.id === selectedId) ?? emails?.[0] ?? null;

  return (
    <section className="page page--wide" aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`} tabIndex={-1}>
        Outbox
      </h1>
      <p className="lead">
        Survey emails, newest first. Without a Resend API key they are recorded here instead of sent. Their survey links
        are hidden: only the customer may answer.
      </p>
      {me && !admin ? <AdminOnly what="the outbox" /> : null}
      <p role="status" className="page__status">
        {fetching && !emails ? "Loading emails…" : ""}
      </p>
      {error && !emails ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {emails && emails.length === 0 ? <p>No survey emails yet.</p> : null}
      {emails && emails.length > 0 ? (
        <div className="outbox">
          <div className="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
            <table className="table">
              <caption id={`${id}-caption`}>Survey emails</caption>
              <thead>
                <tr>
                  <th scope="col">To</th>
                  <th scope="col">Subject</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Preview</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {emails.map((email) => (
                  <tr key={email.id} aria-current={email.id === selected?.id ? "true" : undefined}>
                    <td>{email.to}</td>
                    <td>{email.subject}</td>
                    <td>
                      <span className={`email-state email-state--${email.state.toLowerCase()}`}>{STATE_LABEL[email.state]}</span>
                      {email.lastError ? <span className="muted"> ({email.lastError})</span> : null}
                    </td>
                    <td>
                      <Time value={email.createdAt} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        onClick={() => setSelectedId(email.id)}
                        aria-pressed={email.id === selected?.id}
                      >
                        View<span className="visually-hidden"> the email to {email.to}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {selected ? (
            <section className="card email-preview" aria-labelledby={`${id}-preview`}>
              <h2 id={`${id}-preview`}>{selected.subject}</h2>
              <p className="muted">
                To {selected.to} · {STATE_LABEL[selected.state]}
                {selected.sentAt ? (
                  <>
                    {" "}
                    · sent <Time value={selected.sentAt} />
                  </>
                ) : null}
              </p>
              {selected.previewUrl ? (
                <p className="muted">
                  <a href={selected.previewUrl} target="_blank" rel="noreferrer">
                    Preview link
                  </a>{" "}
                  (development only): the rating page of this survey, to try the flow. The copy below hides the survey
                  token, as it is hidden in production.
                </p>
              ) : null}
              <iframe
                className="email-preview__frame"
                title={`The email to ${selected.to}, as rendered`}
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                srcDoc={previewDocument(selected.html)}
              />
              <details>
                <summary>Plain-text part</summary>
                <pre className="snippet">{selected.text}</pre>
              </details>
            </section>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
