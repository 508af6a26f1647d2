import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { FollowUpStatusPill } from "../components/followups/FollowUpStatus";
import { Stars } from "../components/Stars";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import type { CsatResponsesQuery } from "../gql/graphql";
import { UNATTRIBUTED } from "../lib/format";
import { EMPTY_FILTER, parseResponsesFilter, responsesUrl, toResponseFilter, type ResponsesFilterState } from "../lib/responsesFilter";
import { Link, navigate } from "../router";
import { useCsatAnswered } from "../useCsatAnswered";
import { useDocumentTitle } from "../useDocumentTitle";

const ResponsesOptionsQuery = graphql(`
  query ResponsesOptions {
    bots {
      id
      name
    }
    channels {
      id
      name
    }
    csatSettings {
      reasons
    }
  }
`);

const CsatResponsesDocument = graphql(`
  query CsatResponses($filter: CsatResponseFilter, $first: Int, $after: String) {
    csatResponses(filter: $filter, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          score
          comment
          answeredAt
          reason
          teammate {
            id
            name
          }
          conversation {
            id
            bot {
              id
              name
            }
            channel {
              id
              name
            }
            customer {
              id
              name
              email
            }
          }
          followUp {
            id
            status
          }
        }
      }
    }
  }
`);

const CloseFollowUpMutation = graphql(`
  mutation CloseFollowUp($id: ID!) {
    updateCsatFollowUp(id: $id, input: { status: DONE }) {
      id
      status
    }
  }
`);

const PAGE_SIZE = 25;
const RANGES = [
  { value: "ALL_TIME", label: "All time" },
  { value: "LAST_7_DAYS", label: "Last 7 days" },
  { value: "LAST_30_DAYS", label: "Last 30 days" },
  { value: "LAST_90_DAYS", label: "Last 90 days" },
  { value: "CUSTOM", label: "Custom dates" },
] as const;

type Edge = CsatResponsesQuery["csatResponses"]["edges"][number];

function useLocationSearch(): string {
  const [search, setSearch] = useState(window.location.search);
  useEffect(() => {
    const update = () => setSearch(window.location.search);
    window.addEventListener("popstate", update);
    window.addEventListener("hydra:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("hydra:navigate", update);
    };
  }, []);
  return search;
}

/** `/responses`: every answer behind the figures, filtered as its URL says, newest first, loaded as you scroll. */
export function ResponsesPage() {
  useDocumentTitle("Responses");
  const id = useId();
  const search = useLocationSearch();
  const filter = parseResponsesFilter(search);
  const key = responsesUrl(filter);
  const [fresh, setFresh] = useState(0);
  const [generation, setGeneration] = useState(0);
  useCsatAnswered(() => setFresh((n) => n + 1));
  const apply = (next: ResponsesFilterState) => {
    setFresh(0);
    navigate(responsesUrl(next), { replace: true });
  };

  return (
    <section className="page page--wide responses" aria-labelledby={`${id}-heading`}>
      <div className="page__header">
        <h1 id={`${id}-heading`} tabIndex={-1}>
          Responses
        </h1>
      </div>
      <Filters filter={filter} onChange={apply} />
      {fresh > 0 ? (
        <p className="notice new-answers" role="status">
          {fresh === 1 ? "1 new answer." : `${fresh} new answers.`}{" "}
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setFresh(0);
              setGeneration((g) => g + 1);
            }}
          >
            Show
          </button>
        </p>
      ) : null}
      <ResponseList key={`${key}#${generation}`} filter={filter} headingId={`${id}-heading`} />
    </section>
  );
}

function Filters({ filter, onChange }: { filter: ResponsesFilterState; onChange: (next: ResponsesFilterState) => void }) {
  const id = useId();
  const me = useCurrentTeammate();
  const [{ data }] = useQuery({ query: ResponsesOptionsQuery });
  const [words, setWords] = useState(filter.q);
  useEffect(() => setWords(filter.q), [filter.q]);
  const set = (patch: Partial<ResponsesFilterState>) => onChange({ ...filter, ...patch });
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    set({ q: words.trim() });
  };
  const toggleScore = (score: number) =>
    set({ scores: filter.scores.includes(score) ? filter.scores.filter((s) => s !== score) : [...filter.scores, score].sort() });
  const known = (list: { id: string }[] | undefined, value: string) => !value || value === "none" || !list || list.some((x) => x.id === value);

  return (
    <div className="card filters" role="search" aria-label="Filter answers">
      <form className="filters__search" onSubmit={submitSearch}>
        <label htmlFor={`${id}-q`}>Search</label>
        <div className="filters__search-row">
          <input
            id={`${id}-q`}
            type="search"
            value={words}
            placeholder="Comment, name or email"
            onChange={(e) => setWords(e.target.value)}
          />
          <button type="submit" className="button">
            Search
          </button>
        </div>
      </form>
      <div className="filters__grid">
        <div className="field">
          <label htmlFor={`${id}-range`}>Sent</label>
          <select id={`${id}-range`} value={filter.range} onChange={(e) => set({ range: e.target.value as ResponsesFilterState["range"] })}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        {filter.range === "CUSTOM" ? (
          <>
            <div className="field">
              <label htmlFor={`${id}-from`}>From</label>
              <input id={`${id}-from`} type="date" value={filter.from.slice(0, 10)} onChange={(e) => set({ from: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-to`}>Until (exclusive)</label>
              <input id={`${id}-to`} type="date" value={filter.to.slice(0, 10)} onChange={(e) => set({ to: e.target.value })} />
            </div>
          </>
        ) : null}
        <div className="field">
          <label htmlFor={`${id}-bot`}>Bot</label>
          <select id={`${id}-bot`} value={filter.botId} onChange={(e) => set({ botId: e.target.value })}>
            <option value="">Any bot</option>
            {data?.bots.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
            {known(data?.bots, filter.botId) ? null : <option value={filter.botId}>A deleted bot</option>}
            <option value="none">{UNATTRIBUTED}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-channel`}>Channel</label>
          <select id={`${id}-channel`} value={filter.channelId} onChange={(e) => set({ channelId: e.target.value })}>
            <option value="">Any channel</option>
            {data?.channels.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
            {known(data?.channels, filter.channelId) ? null : <option value={filter.channelId}>A deleted channel</option>}
            <option value="none">{UNATTRIBUTED}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-teammate`}>Credited to</label>
          <select id={`${id}-teammate`} value={filter.teammateId} onChange={(e) => set({ teammateId: e.target.value })}>
            <option value="">Anyone</option>
            {me ? <option value={me.id}>Me ({me.name})</option> : null}
            {filter.teammateId && filter.teammateId !== "none" && filter.teammateId !== me?.id ? (
              <option value={filter.teammateId}>The teammate in the link</option>
            ) : null}
            <option value="none">No one</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-comment`}>Comment</label>
          <select id={`${id}-comment`} value={filter.hasComment} onChange={(e) => set({ hasComment: e.target.value as ResponsesFilterState["hasComment"] })}>
            <option value="">With or without</option>
            <option value="1">With a comment</option>
            <option value="0">Without a comment</option>
          </select>
        </div>
        {(data?.csatSettings.reasons.length ?? 0) > 0 || filter.reason ? (
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <select id={`${id}-reason`} value={filter.reason} onChange={(e) => set({ reason: e.target.value })}>
              <option value="">Any reason</option>
              {[...new Set([...(data?.csatSettings.reasons ?? []), ...(filter.reason ? [filter.reason] : [])])].map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      <fieldset className="filters__scores">
        <legend>Scores</legend>
        {[1, 2, 3, 4, 5].map((score) => (
          <label key={score} className="score-toggle">
            <input type="checkbox" checked={filter.scores.includes(score)} onChange={() => toggleScore(score)} />
            {score} {score === 1 ? "star" : "stars"}
          </label>
        ))}
      </fieldset>
      {responsesUrl(filter) !== "/responses" ? (
        <button type="button" className="button button--secondary button--small" onClick={() => onChange(EMPTY_FILTER)}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}

// The count is asked apart from the pages: no page waits for it (at a million answers, counting a
// common word's matches takes longer than finding a page of them).
const CsatResponsesCountDocument = graphql(`
  query CsatResponsesCount($filter: CsatResponseFilter) {
    csatResponses(filter: $filter, first: 0) {
      totalCount
    }
  }
`);

/** The answers, page after page: each page is its own query after the one before's end cursor. */
function ResponseList({ filter, headingId }: { filter: ResponsesFilterState; headingId: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [{ data: counted }] = useQuery({ query: CsatResponsesCountDocument, variables: { filter: toResponseFilter(filter) } });
  const total = counted?.csatResponses.totalCount ?? null;
  return (
    <>
      <p role="status" className="page__status responses__count">
        {total === null ? "" : total === 1 ? "1 answer" : `${total.toLocaleString()} answers`}
      </p>
      <ol className="response-list" aria-labelledby={headingId}>
        {cursors.map((after, index) => (
          <ResponseChunk
            key={after ?? "first"}
            filter={filter}
            after={after}
            last={index === cursors.length - 1}
            onMore={(endCursor) => setCursors((list) => (list.includes(endCursor) ? list : [...list, endCursor]))}
          />
        ))}
      </ol>
    </>
  );
}

function ResponseChunk({
  filter,
  after,
  last,
  onMore,
}: {
  filter: ResponsesFilterState;
  after: string | null;
  last: boolean;
  onMore: (endCursor: string) => void;
}) {
  const [{ data, error, fetching }] = useQuery({
    query: CsatResponsesDocument,
    variables: { filter: toResponseFilter(filter), first: PAGE_SIZE, after },
  });
  const page = data?.csatResponses;
  const sentinel = useRef<HTMLLIElement>(null);
  const more = last && page?.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  useEffect(() => {
    const node = sentinel.current;
    if (!more || !node || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onMore(more);
    }, { rootMargin: "400px" });
    observer.observe(node);
    return () => observer.disconnect();
  }, [more, onMore]);

  if (error && !page) {
    return (
      <li className="response-list__note">
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      </li>
    );
  }
  if (!page) return fetching ? <li className="response-list__note muted">Loading answers…</li> : null;
  return (
    <>
      {page.edges.map((edge) => (
        <ResponseItem key={edge.node.id} edge={edge} />
      ))}
      {after === null && page.edges.length === 0 ? <li className="response-list__note muted">No answers match these filters.</li> : null}
      {more ? (
        <li ref={sentinel} className="response-list__note">
          <button type="button" className="button button--secondary" onClick={() => onMore(more)}>
            Load more answers
          </button>
        </li>
      ) : null}
    </>
  );
}

function ResponseItem({ edge }: { edge: Edge }) {
  const s = edge.node;
  const [{ fetching: closing, error }, close] = useMutation(CloseFollowUpMutation);
  const customer = s.conversation.customer;
  return (
    <li className="response">
      <div className="response__head">
        <Stars score={s.score ?? 0} />
        {s.answeredAt ? <Time value={s.answeredAt} /> : null}
        {s.followUp ? <FollowUpStatusPill status={s.followUp.status} /> : null}
      </div>
      {s.reason ? <p className="response__reason">Reason: {s.reason}</p> : null}
      {s.comment ? <blockquote className="response__comment">{s.comment}</blockquote> : <p className="muted response__comment">No comment.</p>}
      <p className="muted response__source">
        {customer.name}
        {customer.email ? ` <${customer.email}>` : ""} · <span className="visually-hidden">Bot: </span>
        {s.conversation.bot?.name ?? UNATTRIBUTED} · <span className="visually-hidden">Channel: </span>
        {s.conversation.channel?.name ?? UNATTRIBUTED} · <span className="visually-hidden">Credited to: </span>
        {s.teammate?.name ?? UNATTRIBUTED}
      </p>
      <div className="response__actions">
        <Link to={`/inbox/${s.conversation.id}`} className="button button--secondary button--small">
          Open conversation<span className="visually-hidden"> with {customer.name}</span>
        </Link>
        {s.followUp && s.followUp.status !== "DONE" ? (
          <button
            type="button"
            className="button button--small"
            aria-busy={closing}
            onClick={() => void close({ id: s.followUp!.id })}
          >
            Close follow-up<span className="visually-hidden"> for {customer.name}</span>
          </button>
        ) : null}
        {error ? (
          <span role="alert" className="field-error">
            {describeError(error)}
          </span>
        ) : null}
      </div>
    </li>
  );
}
