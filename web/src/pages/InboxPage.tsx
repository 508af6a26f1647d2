import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useClient, useQuery } from "urql";
import { CONVERSATIONS_STALE } from "../conversationsStale";
import { ConversationDetail } from "../components/ConversationDetail";
import { ConversationItem } from "../components/ConversationItem";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { graphql } from "../gql";
import type { ConversationFilter, CsatSurveyState, InboxPageQuery } from "../gql/graphql";
import { navigate, useSearchParam } from "../router";
import { useConversationChanged } from "../useConversationChanged";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";

const InboxPageQueryDoc = graphql(`
  query InboxPage($filter: ConversationFilter, $first: Int, $after: String) {
    searchConversations(filter: $filter, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          ...ConversationItem_Conversation
        }
      }
    }
  }
`);

const InboxCountsQuery = graphql(`
  query InboxCounts($all: ConversationFilter, $open: ConversationFilter, $resolved: ConversationFilter) {
    all: searchConversations(filter: $all, first: 0) {
      totalCount
    }
    open: searchConversations(filter: $open, first: 0) {
      totalCount
    }
    resolved: searchConversations(filter: $resolved, first: 0) {
      totalCount
    }
    bots {
      id
      name
    }
    channels {
      id
      name
    }
  }
`);

type Node = InboxPageQuery["searchConversations"]["edges"][number]["node"];

const PAGE = 50;
/** A dropped socket's misses are read again this often, and on focus. */
const REFRESH_MS = 30_000;

/** The URL's parameters for the filter: /inbox?status=OPEN&q=refund&botId=…&channelId=…&assigneeId=…&label=…&survey=… */
const PARAMS = ["status", "q", "channelId", "botId", "assigneeId", "label", "survey"] as const;
type Param = (typeof PARAMS)[number];

const SURVEY_STATES: { value: CsatSurveyState; label: string }[] = [
  { value: "SCHEDULED", label: "Survey scheduled" },
  { value: "DISPATCHED", label: "Survey sent" },
  { value: "SUBMITTED", label: "Survey answered" },
  { value: "CANCELLED", label: "Survey cancelled" },
];

function useInboxParams(): Record<Param, string | null> {
  const values = {} as Record<Param, string | null>;
  for (const p of PARAMS) {
    values[p] = useSearchParam(p);
  }
  return values;
}

/** Sets (or, with null, removes) filter parameters in the address, keeping the open conversation. */
function setParams(changes: Partial<Record<Param, string | null>>) {
  const search = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") search.delete(k);
    else search.set(k, v);
  }
  const query = search.toString();
  navigate(`${window.location.pathname}${query ? `?${query}` : ""}`, { replace: true });
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

/** `/inbox` (the list) and `/inbox/:id` (the list beside one conversation; on a phone, the conversation alone). */
export function InboxPage({ conversationId }: { conversationId: string | null }) {
  useDocumentTitle("Inbox");
  const searchId = useId();
  const client = useClient();
  const me = useCurrentTeammate();
  const params = useInboxParams();
  const filter: ConversationFilter = {
    ...(params.status === "OPEN" || params.status === "RESOLVED" ? { status: params.status } : {}),
    ...(params.q ? { search: params.q } : {}),
    ...(params.channelId ? { channelId: params.channelId } : {}),
    ...(params.botId ? { botId: params.botId } : {}),
    ...(params.assigneeId ? { assigneeId: params.assigneeId } : {}),
    ...(params.label ? { label: params.label } : {}),
    ...(params.survey ? { surveyState: params.survey as CsatSurveyState } : {}),
  };
  const filterKey = JSON.stringify(filter);
  const withoutStatus: ConversationFilter = { ...filter, status: null };

  const [items, setItems] = useState<Node[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const [counts, refetchCounts] = useQuery({
    query: InboxCountsQuery,
    variables: { all: withoutStatus, open: { ...withoutStatus, status: "OPEN" }, resolved: { ...withoutStatus, status: "RESOLVED" } },
  });

  /** A fresh first page (a new walk); `merge` keeps what was scrolled to below it, but the changed conversation. */
  const loadFirst = useCallback(
    async (merge?: { changed: string }) => {
      const mine = ++generation.current;
      setLoading(true);
      const result = await client
        .query(InboxPageQueryDoc, { filter: JSON.parse(filterKey) as ConversationFilter, first: PAGE }, { requestPolicy: "network-only" })
        .toPromise();
      if (mine !== generation.current) return;
      setLoading(false);
      if (result.error || !result.data) {
        setError(result.error ? describeError(result.error) : "Could not load conversations.");
        return;
      }
      setError(null);
      const page = result.data.searchConversations;
      const fresh = page.edges.map((e) => e.node);
      if (merge) {
        const freshIds = new Set(fresh.map((n) => n.id));
        setItems((old) => [...fresh, ...(old ?? []).filter((n) => !freshIds.has(n.id) && n.id !== merge.changed)]);
      } else {
        setItems(fresh);
        setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor ?? null : null);
      }
    },
    [client, filterKey],
  );

  const loadMore = useCallback(async () => {
    if (!next || loading) return;
    const mine = generation.current;
    setLoading(true);
    const result = await client
      .query(InboxPageQueryDoc, { filter: JSON.parse(filterKey) as ConversationFilter, first: PAGE, after: next }, { requestPolicy: "network-only" })
      .toPromise();
    if (mine !== generation.current) return;
    setLoading(false);
    if (result.error || !result.data) {
      setError(result.error ? describeError(result.error) : "Could not load more conversations.");
      return;
    }
    const page = result.data.searchConversations;
    setItems((old) => {
      const have = new Set((old ?? []).map((n) => n.id));
      return [...(old ?? []), ...page.edges.map((e) => e.node).filter((n) => !have.has(n.id))];
    });
    setNext(page.pageInfo.hasNextPage ? page.pageInfo.endCursor ?? null : null);
  }, [client, filterKey, next, loading]);

  useEffect(() => {
    setItems(null);
    setNext(null);
    void loadFirst();
  }, [loadFirst]);

  useLiveRefetch(() => {
    void loadFirst({ changed: "" });
    refetchCounts({ requestPolicy: "network-only" });
  }, REFRESH_MS);
  // Started, replied to, resolved, reopened, or its survey answered: it moves to the top (or out of the filter).
  useConversationChanged((change) => {
    void loadFirst({ changed: change.conversationId });
    refetchCounts({ requestPolicy: "network-only" });
  });

  // An erased customer's name and messages must not linger in rows already scrolled to.
  useEffect(() => {
    const reload = () => {
      setNext(null);
      void loadFirst();
    };
    window.addEventListener(CONVERSATIONS_STALE, reload);
    return () => window.removeEventListener(CONVERSATIONS_STALE, reload);
  }, [loadFirst]);

  // Infinite scroll: the row after the last one asks for the next page when it comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !next) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [next, loadMore]);

  // j / k move between rows (focus), Enter opens the focused one (it is a link).
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
      if (event.key !== "j" && event.key !== "k") return;
      const links = [...(list.current?.querySelectorAll<HTMLAnchorElement>(".conversation__link") ?? [])];
      if (!links.length) return;
      event.preventDefault();
      const at = links.findIndex((l) => l === document.activeElement);
      const current = at >= 0 ? at : links.findIndex((l) => l.getAttribute("aria-current") === "true");
      const to = current < 0 ? 0 : Math.min(links.length - 1, Math.max(0, current + (event.key === "j" ? 1 : -1)));
      links[to]!.focus();
      links[to]!.scrollIntoView({ block: "nearest" });
      if (event.key === "j" && to >= links.length - 3) void loadMore();
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [loadMore]);

  const [query, setQuery] = useState(params.q ?? "");
  useEffect(() => setQuery(params.q ?? ""), [params.q]);
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    setParams({ q: query.trim() || null });
  };

  const c = counts.data;
  // The list's own count is one of the chips' (asked apart, so a page never waits for a count).
  const total = (params.status === "OPEN" ? c?.open : params.status === "RESOLVED" ? c?.resolved : c?.all)?.totalCount ?? null;
  const statusChips: { value: string | null; label: string; count: number | undefined }[] = [
    { value: null, label: "All", count: c?.all.totalCount },
    { value: "OPEN", label: "Open", count: c?.open.totalCount },
    { value: "RESOLVED", label: "Resolved", count: c?.resolved.totalCount },
  ];
  const active: { key: Param; label: string }[] = [];
  if (params.q) active.push({ key: "q", label: `“${params.q}”` });
  if (params.channelId) active.push({ key: "channelId", label: `Channel: ${params.channelId === "none" ? "deleted" : c?.channels.find((x) => x.id === params.channelId)?.name ?? "…"}` });
  if (params.botId) active.push({ key: "botId", label: `Bot: ${params.botId === "none" ? "none" : c?.bots.find((x) => x.id === params.botId)?.name ?? "…"}` });
  if (params.assigneeId) active.push({ key: "assigneeId", label: params.assigneeId === "none" ? "Unassigned" : params.assigneeId === me?.id ? "Assigned to me" : "Assigned" });
  if (params.label) active.push({ key: "label", label: `Label: ${params.label}` });
  if (params.survey) active.push({ key: "survey", label: SURVEY_STATES.find((s) => s.value === params.survey)?.label ?? params.survey });

  return (
    <section className={`page inbox${conversationId ? " inbox--detail" : ""}`} aria-labelledby="inbox-heading">
      <div className="inbox__list">
        <div className="page__header">
          <h1 id="inbox-heading" tabIndex={-1}>
            Inbox
          </h1>
          <form role="search" className="inbox__search" onSubmit={submitSearch}>
            <label htmlFor={searchId} className="visually-hidden">
              Search conversations
            </label>
            <input
              id={searchId}
              type="search"
              value={query}
              placeholder="Search name, email, messages"
              onChange={(event) => setQuery(event.target.value)}
            />
            <button type="submit" className="button button--secondary">
              Search
            </button>
          </form>
        </div>
        <div className="inbox__bar">
        <div className="chips" role="group" aria-label="Status">
          {statusChips.map((chip) => (
            <button
              key={chip.label}
              type="button"
              className="chip"
              aria-pressed={(params.status ?? null) === chip.value}
              onClick={() => setParams({ status: chip.value })}
            >
              {chip.label}
              {chip.count !== undefined ? <span className="chip__count">{chip.count.toLocaleString()}</span> : null}
            </button>
          ))}
        </div>
        <p role="status" className="inbox__count muted">
          {total !== null ? `${total.toLocaleString()} conversation${total === 1 ? "" : "s"}` : loading ? "Loading conversations…" : ""}
        </p>
        </div>
        <details className="inbox__filters">
          <summary>More filters</summary>
          <div className="inbox__filter-fields">
            <label>
              Channel
              <select value={params.channelId ?? ""} onChange={(e) => setParams({ channelId: e.target.value || null })}>
                <option value="">Any</option>
                {c?.channels.map((ch) => (
                  <option key={ch.id} value={ch.id}>
                    {ch.name}
                  </option>
                ))}
                <option value="none">Deleted channel</option>
              </select>
            </label>
            <label>
              Bot
              <select value={params.botId ?? ""} onChange={(e) => setParams({ botId: e.target.value || null })}>
                <option value="">Any</option>
                {c?.bots.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.name}
                  </option>
                ))}
                <option value="none">No bot</option>
              </select>
            </label>
            <label>
              Assignee
              <select value={params.assigneeId ?? ""} onChange={(e) => setParams({ assigneeId: e.target.value || null })}>
                <option value="">Anyone</option>
                {me ? <option value={me.id}>Me</option> : null}
                <option value="none">Unassigned</option>
              </select>
            </label>
            <label>
              Survey
              <select value={params.survey ?? ""} onChange={(e) => setParams({ survey: e.target.value || null })}>
                <option value="">Any</option>
                {SURVEY_STATES.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Label
              <input
                type="text"
                defaultValue={params.label ?? ""}
                key={params.label ?? ""}
                onBlur={(e) => setParams({ label: e.target.value.trim() || null })}
                onKeyDown={(e) => {
                  if (e.key === "Enter") setParams({ label: e.currentTarget.value.trim() || null });
                }}
              />
            </label>
          </div>
        </details>
        {active.length ? (
          <ul className="chips" aria-label="Active filters">
            {active.map((f) => (
              <li key={f.key}>
                <button type="button" className="chip chip--active" onClick={() => setParams({ [f.key]: null })}>
                  {f.label}
                  <span aria-hidden="true"> ×</span>
                  <span className="visually-hidden"> (remove this filter)</span>
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        {error ? (
          <p role="alert" className="alert">
            {error}
          </p>
        ) : null}
        {items && items.length === 0 ? <p>{active.length || params.status ? "No conversation matches these filters." : "No conversations here yet."}</p> : null}
        {items && items.length > 0 ? (
          <ul className="conversation-list" aria-label="Conversations" ref={list}>
            {items.map((conversation) => (
              <ConversationItem key={conversation.id} conversation={conversation} selected={conversation.id === conversationId} />
            ))}
          </ul>
        ) : null}
        {next ? (
          <div ref={sentinel} className="inbox__more">
            <button type="button" className="button button--secondary" onClick={() => void loadMore()} aria-busy={loading}>
              {loading ? "Loading…" : "Load more"}
            </button>
          </div>
        ) : items && items.length > 0 ? (
          <p className="inbox__end muted">That is every conversation{active.length || params.status ? " that matches" : ""}.</p>
        ) : null}
        <p className="inbox__keys muted">
          <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens
        </p>
      </div>
      {conversationId ? (
        <ConversationDetail id={conversationId} />
      ) : (
        <p className="inbox__empty muted">Choose a conversation to read it, reply, resolve or reopen it.</p>
      )}
    </section>
  );
}
