import { Fragment, useEffect, useId, useState } from "react";
import { useClient, useMutation, useQuery } from "urql";
import { AdminOnly } from "../components/Forbidden";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import type { EmailDelivery, EmailState } from "../gql/graphql";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";
import { useOlderPages } from "../useOlderPages";
import { ListMore } from "../components/ListMore";
import { Link } from "../router";
import type { OutboxQuery as OutboxData } from "../gql/graphql";

const OutboxQuery = graphql(`
  query Outbox($after: ID) {
    emailOutbox(first: 50, after: $after) {
      id
      conversationId
      to
      subject
      state
      attempts
      lastError
      createdAt
      sentAt
      kind
      delivery
      html
      text
      previewUrl
    }
  }
`);

const SuppressionsQuery = graphql(`
  query EmailSuppressions {
    emailSuppressions {
      email
      reason
      createdAt
    }
  }
`);

const RemoveSuppressionMutation = graphql(`
  mutation RemoveEmailSuppression($email: String!) {
    removeEmailSuppression(email: $email)
  }
`);

const DELIVERY_LABEL: Record<EmailDelivery, string> = {
  ACCEPTED: "Accepted by the provider",
  DELIVERED: "Delivered",
  DELAYED: "Delivery delayed",
  BOUNCED: "Bounced",
  COMPLAINED: "Marked as spam",
};

const REASON_LABEL: Record<string, string> = {
  UNSUBSCRIBED: "Unsubscribed",
  BOUNCED: "Bounced",
  COMPLAINED: "Marked as spam",
};

/** The addresses that get no more survey emails, each with a button to allow it again. */
function Suppressions({ headingId }: { headingId: string }) {
  const [{ data, error }, refetch] = useQuery({ query: SuppressionsQuery });
  const [{ fetching: removing, error: removeError }, remove] = useMutation(RemoveSuppressionMutation);
  const [status, setStatus] = useState("");
  const list = data?.emailSuppressions;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Suppressed addresses</h2>
      <p className="muted">
        These addresses get no more survey emails: they unsubscribed, bounced or marked an email as spam. Remove one only
        when its owner asks to be surveyed again.
      </p>
      <p role="status" className="page__status">
        {status}
      </p>
      {error || removeError ? (
        <p role="alert" className="alert">
          {describeError((error ?? removeError)!)}
        </p>
      ) : null}
      {list && list.length === 0 ? <p>No suppressed addresses.</p> : null}
      {list && list.length > 0 ? (
        <div className="table-wrap" role="region" aria-label="Suppressed addresses" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Why</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.email}>
                  <td>{s.email}</td>
                  <td>{REASON_LABEL[s.reason] ?? s.reason}</td>
                  <td>
                    <Time value={s.createdAt} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      disabled={removing}
                      onClick={async () => {
                        const result = await remove({ email: s.email });
                        if (!result.error) {
                          setStatus(`${s.email} may get survey emails again.`);
                          refetch({ requestPolicy: "network-only" });
                        }
                      }}
                    >
                      Remove<span className="visually-hidden"> {s.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

const STATE_LABEL: Record<EmailState, string> = {
  RECORDED: "Recorded (not sent)",
  PENDING: "Waiting to send",
  SENDING: "Sending",
  SENT: "Sent",
  FAILED: "Failed",
  SUPPRESSED: "Not sent (address suppressed)",
  CANCELLED: "Not sent (reminder no longer needed)",
};

/**
 * Links in the preview open in a new tab: the rating page refuses to be framed, and the sandbox
 * (no scripts, no same origin) only lets them out as top-level tabs.
 */
const previewDocument = (html: string) => `<base target="_blank">${html}`;

const PHONE = "(max-width: 40rem)";

/** True at phone width (the layout's breakpoint), following the window as it changes. */
function usePhone(): boolean {
  const [phone, setPhone] = useState(() => window.matchMedia(PHONE).matches);
  useEffect(() => {
    const query = window.matchMedia(PHONE);
    const onChange = () => setPhone(query.matches);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);
  return phone;
}

/** `/outbox`: the survey emails, as recorded (without RESEND_API_KEY) or sent, each viewable as rendered (admins only). */
export function OutboxPage() {
  useDocumentTitle("Outbox");
  const id = useId();
  const me = useCurrentTeammate();
  const admin = me?.role === "ADMIN";
  const [{ data, error, fetching }, refetch] = useQuery({ query: OutboxQuery, pause: !admin });
  useLiveRefetch(() => refetch({ requestPolicy: "network-only" }), 10_000, admin);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const client = useClient();
  const paged = useOlderPages(
    data?.emailOutbox,
    async (after) => (await client.query(OutboxQuery, { after }, { requestPolicy: "network-only" }).toPromise()).data?.emailOutbox ?? null,
    50,
  );
  const emails = data ? paged.items : undefined;
  const phone = usePhone();
  // On a phone the preview opens under the email tapped, and only then; beside the list the newest shows at first.
  const selected = emails?.find((email) => email.id === selectedId) ?? (phone ? null : emails?.[0] ?? null);
  const preview = (email: OutboxData["emailOutbox"][number]) => (
    <section className="card email-preview" aria-labelledby={`${id}-preview`}>
      <h2 id={`${id}-preview`}>{email.subject}</h2>
      <p className="muted">
        To {email.to} · {STATE_LABEL[email.state]}
        {email.kind === "REMINDER" ? " · reminder" : null}
        {email.delivery ? ` · ${DELIVERY_LABEL[email.delivery]}` : null}
        {email.sentAt ? (
          <>
            {" "}
            · sent <Time value={email.sentAt} />
          </>
        ) : null}
        {" · "}
        <Link to={`/inbox/${email.conversationId}`}>Open the conversation</Link>
      </p>
      {email.previewUrl ? (
        <p className="muted">
          <a href={email.previewUrl} target="_blank" rel="noreferrer">
            Preview link
          </a>{" "}
          (development only): the rating page of this survey, to try the flow. The copy below hides the survey
          token, as it is hidden in production.
        </p>
      ) : null}
      <iframe
        className="email-preview__frame"
        title={`The email to ${email.to}, as rendered`}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        srcDoc={previewDocument(email.html)}
      />
      <details>
        <summary>Plain-text part</summary>
        <pre className="snippet">{email.text}</pre>
      </details>
    </section>
  );

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
                  <Fragment key={email.id}>
                  <tr aria-current={email.id === selected?.id ? "true" : undefined}>
                    <td>
                      {email.to}
                      <br />
                      <Link to={`/inbox/${email.conversationId}`} className="outbox__conversation">
                        Conversation<span className="visually-hidden"> with {email.to}</span>
                      </Link>
                    </td>
                    <td>{email.subject}</td>
                    <td>
                      <span className={`email-state email-state--${email.state.toLowerCase()}`}>{STATE_LABEL[email.state]}</span>
                      {email.delivery && email.delivery !== "ACCEPTED" ? <span className="muted"> · {DELIVERY_LABEL[email.delivery]}</span> : null}
                      {email.lastError ? <span className="muted"> ({email.lastError})</span> : null}
                    </td>
                    <td>
                      <Time value={email.createdAt} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        onClick={() => setSelectedId(phone && email.id === selectedId ? null : email.id)}
                        aria-pressed={email.id === selected?.id}
                      >
                        View<span className="visually-hidden"> the email to {email.to}</span>
                      </button>
                    </td>
                  </tr>
                  {phone && email.id === selected?.id ? (
                    <tr className="outbox__inline">
                      <td colSpan={5}>{preview(email)}</td>
                    </tr>
                  ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
          {selected && !phone ? preview(selected) : null}
        </div>
      ) : null}
      <ListMore paged={paged} what="emails" />
      {admin ? <Suppressions headingId={`${id}-suppressions`} /> : null}
    </section>
  );
}
