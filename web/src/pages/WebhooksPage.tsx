import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AdminOnly } from "../components/Forbidden";
import { SettingsNav } from "../components/SettingsNav";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import { useDocumentTitle } from "../useDocumentTitle";

const EVENTS = [
  { name: "csat.survey.dispatched", label: "A survey is sent" },
  { name: "csat.response.created", label: "A customer answers" },
  { name: "csat.followup.opened", label: "A follow-up opens (low score)" },
] as const;

const WebhookEndpointsQuery = graphql(`
  query WebhookEndpoints {
    webhookEndpoints {
      id
      url
      events
      enabled
      createdAt
    }
  }
`);

const WebhookDeliveriesQuery = graphql(`
  query WebhookDeliveries($endpointId: ID!) {
    webhookDeliveries(endpointId: $endpointId, first: 50) {
      id
      event
      state
      attempts
      responseStatus
      lastError
      createdAt
      lastAttemptAt
      nextAttemptAt
      deliveredAt
    }
  }
`);

const CreateWebhookEndpointMutation = graphql(`
  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!) {
    createWebhookEndpoint(url: $url, events: $events) {
      secret
      endpoint {
        id
        url
      }
    }
  }
`);

const DeleteWebhookEndpointMutation = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`);

/** `/settings/webhooks`: admins add endpoints (the signing secret shown once), delete them and read each one's deliveries. */
export function WebhooksPage() {
  useDocumentTitle("Webhooks");
  const id = useId();
  const me = useCurrentTeammate();
  const admin = me?.role === "ADMIN";
  const [{ data, error, fetching }, refetch] = useQuery({ query: WebhookEndpointsQuery, pause: !admin });
  const [{ fetching: creating }, create] = useMutation(CreateWebhookEndpointMutation);
  const [, remove] = useMutation(DeleteWebhookEndpointMutation);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(EVENTS.map((e) => e.name));
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const endpoints = data?.webhookEndpoints;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    setCopied(false);
    if (events.length === 0) return setMessage("Choose at least one event.");
    const result = await create({ url, events });
    if (result.error) return setMessage(describeError(result.error));
    if (!result.data) return;
    setCreated({ url: result.data.createWebhookEndpoint.endpoint.url, secret: result.data.createWebhookEndpoint.secret });
    setUrl("");
    refetch({ requestPolicy: "network-only" });
  }

  async function copySecret() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
    } catch {
      setCopied(false);
      setMessage("Copying failed: select the secret and copy it by hand.");
    }
  }

  async function end(endpoint: { id: string; url: string }) {
    if (!window.confirm(`Delete the endpoint ${endpoint.url}? Events waiting for it are not sent.`)) return;
    const result = await remove({ id: endpoint.id });
    if (open === endpoint.id) setOpen(null);
    setMessage(result.error ? describeError(result.error) : `Deleted ${endpoint.url}.`);
    refetch({ requestPolicy: "network-only" });
  }

  const toggle = (name: string, on: boolean) => setEvents((now) => (on ? [...new Set([...now, name])] : now.filter((e) => e !== name)));

  return (
    <section className="page" aria-labelledby={`${id}-heading`}>
      <SettingsNav />
      <h1 id={`${id}-heading`} tabIndex={-1}>
        Webhooks
      </h1>
      {me && !admin ? <AdminOnly what="webhooks" /> : null}
      <p>
        Survey events are POSTed to your endpoints as JSON, signed per{" "}
        <a href="https://www.standardwebhooks.com/" target="_blank" rel="noopener">
          Standard Webhooks<span className="visually-hidden"> (opens in a new tab)</span>
        </a>{" "}
        (<code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>), and retried for a day until your endpoint
        answers 2xx.
      </p>
      <p role="status" className="page__status">
        {fetching && !endpoints ? "Loading endpoints…" : (message ?? "")}
      </p>
      {error && !endpoints ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {admin ? (
        <form className="card settings-form" onSubmit={submit} aria-labelledby={`${id}-add`}>
          <h2 id={`${id}-add`}>Add an endpoint</h2>
          <div className="field">
            <label htmlFor={`${id}-url`}>URL</label>
            <input
              id={`${id}-url`}
              type="url"
              inputMode="url"
              placeholder="https://example.com/hooks/csat"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              maxLength={2000}
            />
          </div>
          <fieldset className="delay">
            <legend>Events</legend>
            {EVENTS.map((e) => (
              <div className="switch-row" key={e.name}>
                <input id={`${id}-${e.name}`} type="checkbox" checked={events.includes(e.name)} onChange={(ev) => toggle(e.name, ev.target.checked)} />
                <label htmlFor={`${id}-${e.name}`}>
                  {e.label} <code className="event-name">{e.name}</code>
                </label>
              </div>
            ))}
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="button" aria-busy={creating}>
              Add endpoint
            </button>
          </div>
        </form>
      ) : null}
      {created ? (
        <div className="card endpoint-created" role="region" aria-labelledby={`${id}-created`}>
          <h2 id={`${id}-created`}>Endpoint added</h2>
          <p>
            Copy the signing secret of <code className="break">{created.url}</code> now: it is shown only this once.
          </p>
          <pre className="snippet" tabIndex={0} aria-label="Signing secret">
            {created.secret}
          </pre>
          <div className="toolbar">
            <button type="button" className="button button--secondary" onClick={copySecret}>
              Copy secret
            </button>
            <span role="status">{copied ? "Copied." : ""}</span>
          </div>
        </div>
      ) : null}
      {endpoints && endpoints.length === 0 ? <p>This workspace has no webhook endpoint yet.</p> : null}
      {endpoints && endpoints.length > 0 ? (
        <ul className="endpoint-list" aria-label="Webhook endpoints, newest first">
          {endpoints.map((endpoint) => (
            <li key={endpoint.id} className="card endpoint">
              <h2 className="endpoint__url">
                <code className="break">{endpoint.url}</code>
              </h2>
              <p className="endpoint__meta">
                {endpoint.events.join(", ")} · added <Time value={endpoint.createdAt} />
              </p>
              <div className="toolbar">
                <button
                  type="button"
                  className="button button--secondary"
                  aria-expanded={open === endpoint.id}
                  aria-controls={`${id}-deliveries-${endpoint.id}`}
                  onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}
                >
                  {open === endpoint.id ? "Hide deliveries" : "Show deliveries"}
                  <span className="visually-hidden"> of {endpoint.url}</span>
                </button>
                <button type="button" className="button button--secondary" onClick={() => end(endpoint)}>
                  Delete<span className="visually-hidden"> {endpoint.url}</span>
                </button>
              </div>
              {open === endpoint.id ? <Deliveries endpointId={endpoint.id} domId={`${id}-deliveries-${endpoint.id}`} url={endpoint.url} /> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

const STATE_LABEL = { PENDING: "Pending", SUCCEEDED: "Delivered", FAILED: "Failed" } as const;

function Deliveries({ endpointId, domId, url }: { endpointId: string; domId: string; url: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: WebhookDeliveriesQuery, variables: { endpointId }, requestPolicy: "network-only" });
  const rows = data?.webhookDeliveries;
  return (
    <div id={domId} className="endpoint__deliveries">
      <div className="toolbar">
        <button type="button" className="button button--secondary" onClick={() => refetch({ requestPolicy: "network-only" })} aria-busy={fetching}>
          Refresh<span className="visually-hidden"> deliveries of {url}</span>
        </button>
      </div>
      {error && !rows ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {rows && rows.length === 0 ? <p>No event has been sent here yet.</p> : null}
      {rows && rows.length > 0 ? (
        <div className="table-wrap" role="region" aria-labelledby={`${domId}-caption`} tabIndex={0}>
          <table className="table table--stack">
            <caption id={`${domId}-caption`}>Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Created</th>
                <th scope="col">Last attempt</th>
                <th scope="col">Delivered / next try</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td data-label="Event">
                    <code>{d.event}</code>
                  </td>
                  <td data-label="State">
                    <span className={`delivery-state delivery-state--${d.state.toLowerCase()}`}>{STATE_LABEL[d.state]}</span>
                  </td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Response">{d.responseStatus ?? (d.lastError ? <span title={d.lastError}>{d.lastError}</span> : "—")}</td>
                  <td data-label="Created">
                    <Time value={d.createdAt} />
                  </td>
                  <td data-label="Last attempt">{d.lastAttemptAt ? <Time value={d.lastAttemptAt} /> : "—"}</td>
                  <td data-label="Delivered / next try">{d.deliveredAt ? <Time value={d.deliveredAt} /> : d.nextAttemptAt ? <Time value={d.nextAttemptAt} /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
