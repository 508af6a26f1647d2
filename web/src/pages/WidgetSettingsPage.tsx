import { useId, useState } from "react";
import { useQuery } from "urql";
import { SettingsNav } from "../components/SettingsNav";
import { describeError } from "../errors";
import { graphql } from "../gql";
import { useDocumentTitle } from "../useDocumentTitle";

const WidgetChannelsQuery = graphql(`
  query WidgetChannels {
    channels {
      id
      name
      kind
    }
  }
`);

const snippetFor = (channelId: string) =>
  `<script src="${window.location.origin}/widget/embed.js" data-channel="${channelId}" async></script>`;

/** `/settings/widget`: the embed snippet of each web-widget channel and a link to try it on the demo page. */
export function WidgetSettingsPage() {
  useDocumentTitle("Chat widget");
  const id = useId();
  const [{ data, error, fetching }] = useQuery({ query: WidgetChannelsQuery });
  const channels = data?.channels.filter((channel) => channel.kind === "WEB_WIDGET");

  return (
    <section className="page" aria-labelledby={`${id}-heading`}>
      <SettingsNav />
      <h1 id={`${id}-heading`} tabIndex={-1}>
        Chat widget
      </h1>
      <p className="lead">
        Add the widget to a website with one script tag. Customers chat from it, and when a conversation is resolved
        while it is open, they rate it right there.
      </p>
      <p role="status" className="page__status">
        {fetching && !channels ? "Loading channels…" : ""}
      </p>
      {error && !channels ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {channels && channels.length === 0 ? <p>This workspace has no web-widget channel yet.</p> : null}
      {channels?.map((channel) => <WidgetChannel key={channel.id} channel={channel} />)}
    </section>
  );
}

function WidgetChannel({ channel }: { channel: { id: string; name: string } }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const snippet = snippetFor(channel.id);

  async function copy() {
    try {
      await navigator.clipboard.writeText(snippet);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  return (
    <article className="card widget-channel" aria-labelledby={`${id}-name`}>
      <h2 id={`${id}-name`}>{channel.name}</h2>
      <p id={`${id}-label`}>Embed code</p>
      <pre className="snippet" aria-labelledby={`${id}-label`} tabIndex={0}>
        {snippet}
      </pre>
      <div className="toolbar">
        <button type="button" className="button button--secondary" onClick={copy}>
          Copy embed code
        </button>
        <a className="button" href={`/widget-demo?channel=${encodeURIComponent(channel.id)}`} target="_blank" rel="noopener">
          Open the demo page<span className="visually-hidden"> (opens in a new tab)</span>
        </a>
        <span role="status">{copied ? "Copied." : ""}</span>
      </div>
    </article>
  );
}
