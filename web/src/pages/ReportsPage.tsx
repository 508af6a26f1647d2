import { Fragment, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useQuery } from "urql";
import { CsvExportButton } from "../components/reports/CsvExportButton";
import { DistributionChart } from "../components/reports/DistributionChart";
import { TrendChart } from "../components/reports/TrendChart";
import { useCsatTrend } from "../components/reports/useCsatTrend";
import { Stars } from "../components/Stars";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql, useFragment as readFragment, type FragmentType } from "../gql";
import type { CsatRange, CsatReportQuery, ReportFiguresFragment as ReportFigures } from "../gql/graphql";
import { describeChange, formatCount, formatPercent, formatRating, UNATTRIBUTED, type Change } from "../lib/format";
import { responsesHref, type ResponsesFilter } from "../lib/responsesHref";
import { Link, navigate, useSearchParam } from "../router";
import { useCsatAnswered } from "../useCsatAnswered";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";

const CsatReportDocument = graphql(`
  query CsatReport($range: CsatRange!, $from: DateTime, $to: DateTime) {
    csatSettings {
      enabled
    }
    csatReport(range: $range, from: $from, to: $to) {
      range
      from
      to
      totals {
        ...ReportFigures
        ratingDistribution {
          score
          count
        }
      }
      previous {
        from
        to
        totals {
          ...ReportFigures
        }
      }
      byBot {
        id
        label
        figures {
          ...ReportFigures
        }
      }
      byChannel {
        id
        label
        figures {
          ...ReportFigures
        }
      }
      recentComments(first: 10) {
        conversationId
        customerName
        customerEmail
        answeredAt
        score
        comment
        bot {
          id
          name
        }
        channel {
          id
          name
        }
      }
    }
  }
`);

const ReportFiguresFragment = graphql(`
  fragment ReportFigures on CsatFigures {
    averageRating
    responseRate
    satisfiedRate
    sent
    submitted
  }
`);

type PresetRange = Exclude<CsatRange, "CUSTOM">;

const RANGES: { value: PresetRange; label: string; name: string }[] = [
  { value: "LAST_7_DAYS", label: "7d", name: "Last 7 days" },
  { value: "LAST_30_DAYS", label: "30d", name: "Last 30 days" },
  { value: "LAST_90_DAYS", label: "90d", name: "Last 90 days" },
  { value: "ALL_TIME", label: "All time", name: "All time" },
];
const DEFAULT_RANGE: PresetRange = "LAST_30_DAYS";
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A safety net behind the csatAnswered subscription (a dropped socket, another tab's changes). */
const REFRESH_MS = 30_000;

type Report = CsatReportQuery["csatReport"];
type Row = Report["byBot"][number];
type Figures = ReportFigures;

const figuresOf = (value: FragmentType<typeof ReportFiguresFragment>): Figures => readFragment(ReportFiguresFragment, value);

const isRange = (value: string | null): value is PresetRange => RANGES.some((r) => r.value === value);

/** What the page reports on, from its address: a preset, or CUSTOM with whole UTC days `from`…`to` (inclusive). */
interface Selection {
  range: CsatRange;
  /** YYYY-MM-DD, for CUSTOM */
  fromDay: string | null;
  toDay: string | null;
  /** The window's instants (ISO; `to` exclusive), for CUSTOM */
  from: string | null;
  to: string | null;
  name: string;
}

const dayName = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

function selectionOf(range: string | null, fromDay: string | null, toDay: string | null): Selection {
  if (range === "CUSTOM" && fromDay && toDay && DATE.test(fromDay) && DATE.test(toDay) && fromDay <= toDay) {
    const from = new Date(`${fromDay}T00:00:00Z`);
    const to = new Date(new Date(`${toDay}T00:00:00Z`).getTime() + DAY_MS);
    if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime())) {
      return {
        range: "CUSTOM",
        fromDay,
        toDay,
        from: from.toISOString(),
        to: to.toISOString(),
        name: `${dayName.format(from)} – ${dayName.format(new Date(to.getTime() - DAY_MS))}`,
      };
    }
  }
  const preset = isRange(range) ? range : DEFAULT_RANGE;
  return { range: preset, fromDay: null, toDay: null, from: null, to: null, name: RANGES.find((r) => r.value === preset)!.name };
}

const sameWindow = (a: { range: string; from?: string | null; to?: string | null }, b: Selection) =>
  a.range === b.range && (a.from ?? null) === b.from && (a.to ?? null) === b.to;

/** `/reports`: the "Customer satisfaction" section, live as answers arrive. */
export function ReportsPage() {
  useDocumentTitle("Reports");
  const id = useId();
  const me = useCurrentTeammate();
  const selection = selectionOf(useSearchParam("range"), useSearchParam("from"), useSearchParam("to"));
  const variables = { range: selection.range, from: selection.from, to: selection.to };
  const [{ data, error, fetching, operation }, refetch] = useQuery({ query: CsatReportDocument, variables });
  const trend = useCsatTrend(selection.range, selection);
  const [customOpen, setCustomOpen] = useState(selection.range === "CUSTOM");
  useLiveRefetch(() => {
    refetch({ requestPolicy: "network-only" });
    trend.refresh();
  }, REFRESH_MS);
  useCsatAnswered(() => {
    refetch({ requestPolicy: "network-only" });
    trend.refresh();
  });

  // The last report shown stays on screen while another range loads or the server cannot be reached.
  const last = useRef<{ report: Report; enabled: boolean; selection: Selection; at: Date } | null>(null);
  const fresh = data && operation && sameWindow(operation.variables, selection) ? data : undefined;
  if (fresh && last.current?.report !== fresh.csatReport) {
    last.current = { report: fresh.csatReport, enabled: fresh.csatSettings.enabled, selection, at: new Date() };
  }
  const shown = last.current;
  const report = shown?.report;
  const stale = shown !== null && !fresh;
  const shownSelection = shown?.selection ?? selection;
  const totals = report ? figuresOf(report.totals) : null;
  const previous = report?.previous ? figuresOf(report.previous.totals) : null;
  const window: ResponsesFilter = { range: shownSelection.range, from: shownSelection.from, to: shownSelection.to };
  const link = (filter: ResponsesFilter = {}) => responsesHref({ ...window, ...filter });

  return (
    <section className="page page--wide reports" aria-labelledby={`${id}-heading`}>
      <div className="page__header">
        <h1 id={`${id}-heading`} tabIndex={-1}>
          Customer satisfaction
        </h1>
        <div className="toolbar">
          <div role="group" aria-label="Date range" className="segmented">
            {RANGES.map((option) => (
              <button
                key={option.value}
                type="button"
                aria-pressed={option.value === selection.range}
                aria-label={`${option.label} (${option.name.toLowerCase()})`}
                onClick={() => {
                  setCustomOpen(false);
                  navigate(`/reports?range=${option.value}`, { replace: true });
                }}
              >
                {option.label}
              </button>
            ))}
            <button
              type="button"
              aria-pressed={selection.range === "CUSTOM"}
              aria-expanded={customOpen}
              aria-controls={`${id}-custom`}
              onClick={() => setCustomOpen((open) => !open)}
            >
              Custom
            </button>
          </div>
          {report && me?.role === "ADMIN" && selection.range !== "CUSTOM" ? <CsvExportButton range={selection.range} /> : null}
        </div>
      </div>
      {customOpen ? <CustomRangeForm id={`${id}-custom`} selection={selection} /> : null}
      <p role="status" className="page__status">
        {fetching && !report
          ? "Loading the report…"
          : stale && !error
            ? `Loading ${selection.name.toLowerCase()}… still showing ${shownSelection.name.toLowerCase()}.`
            : ""}
      </p>
      {error && !report ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {error && report ? (
        <p role="alert" className="notice">
          Can’t reach the server right now. Showing {shownSelection.name.toLowerCase()} as of {shown!.at.toLocaleTimeString()}; it
          updates when the connection is back.
        </p>
      ) : null}
      {report && totals ? (
        <div className={stale ? "report report--stale" : "report"} aria-busy={stale && !error}>
          <p className="muted period">
            {shownSelection.name}
            {shownSelection.range === "CUSTOM"
              ? " — surveys sent in these days (UTC)"
              : report.from
                ? " — surveys sent in this period"
                : " — every survey sent"}
            {report.previous ? ", compared with the period of the same length before." : "."}
          </p>
          {totals.sent === 0 ? (
            <EmptyReport enabled={shown!.enabled} allTime={shownSelection.range === "ALL_TIME"} admin={me?.role === "ADMIN"} />
          ) : (
            <>
              <ul className="tiles" aria-label={`Totals, ${shownSelection.name.toLowerCase()}`}>
                <Tile
                  label="Average rating"
                  href={link()}
                  value={totals.averageRating === null ? "—" : `${formatRating(totals.averageRating)} / 5`}
                  change={describeChange(totals.averageRating, previous?.averageRating, "rating")}
                />
                <Tile
                  label="Response rate"
                  href={link()}
                  value={formatPercent(totals.responseRate)}
                  change={describeChange(totals.responseRate, previous?.responseRate, "percent")}
                />
                <Tile label="Surveys sent" href={link()} value={formatCount(totals.sent)} change={describeChange(totals.sent, previous?.sent, "count")} />
                <Tile
                  label="Surveys submitted"
                  href={link()}
                  value={formatCount(totals.submitted)}
                  change={describeChange(totals.submitted, previous?.submitted, "count")}
                />
                <Tile
                  label="Satisfied (4–5 stars)"
                  href={link({ scores: [4, 5] })}
                  value={formatPercent(totals.satisfiedRate)}
                  change={describeChange(totals.satisfiedRate, previous?.satisfiedRate, "percent")}
                />
              </ul>

              <div className="report-grid">
                <ChartSection title="Rating distribution">
                  {(titleId) => (
                    <DistributionChart buckets={report.totals.ratingDistribution} titleId={titleId} hrefFor={(score) => link({ scores: [score] })} />
                  )}
                </ChartSection>
                <ChartSection title={trend.unit === "day" ? "Daily trend" : trend.unit === "week" ? "Weekly trend" : "Monthly trend"}>
                  {(titleId) =>
                    trend.points ? (
                      <TrendChart
                        points={trend.points}
                        unit={trend.unit}
                        titleId={titleId}
                        hrefFor={(p) => responsesHref({ range: "CUSTOM", from: p.from, to: p.to })}
                      />
                    ) : trend.error ? (
                      <p className="muted">The trend could not be loaded. It retries on the next refresh.</p>
                    ) : (
                      <p className="muted">Loading the trend…</p>
                    )
                  }
                </ChartSection>
              </div>

              <BreakdownTable title="By bot" nameHeader="Bot" rows={report.byBot} hrefFor={(row) => link({ botId: row.id ?? null })} />
              <BreakdownTable title="By channel" nameHeader="Channel" rows={report.byChannel} hrefFor={(row) => link({ channelId: row.id ?? null })} />

              <section className="card report-section" aria-labelledby={`${id}-comments`}>
                <h2 id={`${id}-comments`}>Recent comments</h2>
                {report.recentComments.length === 0 ? (
                  <p className="muted">No comments in this period yet.</p>
                ) : (
                  <>
                    <ul className="comments">
                      {report.recentComments.map((comment, index) => (
                        <li key={`${comment.conversationId}-${index}`} className="comment">
                          <div className="comment__head">
                            <Stars score={comment.score} />
                            <Time value={comment.answeredAt} />
                          </div>
                          <blockquote>{comment.comment}</blockquote>
                          <p className="muted comment__source">
                            <Link to={responsesHref({ q: comment.customerEmail ?? comment.customerName })}>
                              <span className="visually-hidden">Answers from </span>
                              {comment.customerName}
                            </Link>
                            {" · "}
                            <Link to={`/inbox/${comment.conversationId}`}>
                              View conversation<span className="visually-hidden"> with {comment.customerName}</span>
                            </Link>
                            {" · "}
                            <span className="visually-hidden">Bot: </span>
                            {comment.bot?.name ?? UNATTRIBUTED} · <span className="visually-hidden">Channel: </span>
                            {comment.channel?.name ?? UNATTRIBUTED}
                          </p>
                        </li>
                      ))}
                    </ul>
                    <p className="comments__more">
                      <Link to={link({ hasComment: true })}>All comments in this period</Link>
                    </p>
                  </>
                )}
              </section>
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}

/** The custom range: two UTC days, the last one included; applied through the address. */
function CustomRangeForm({ id, selection }: { id: string; selection: Selection }) {
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(selection.fromDay ?? new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10));
  const [to, setTo] = useState(selection.toDay ?? today);
  const [problem, setProblem] = useState<string | null>(null);

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!DATE.test(from) || !DATE.test(to)) return setProblem("Enter both days.");
    if (from > to) return setProblem("The first day must come before the last.");
    setProblem(null);
    navigate(`/reports?range=CUSTOM&from=${from}&to=${to}`, { replace: true });
  }

  return (
    <form id={id} className="custom-range card" onSubmit={apply} noValidate aria-label="Custom date range">
      <div className="field">
        <label htmlFor={`${id}-from`}>First day</label>
        <input id={`${id}-from`} type="date" value={from} max={today} onChange={(e) => setFrom(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>Last day</label>
        <input
          id={`${id}-to`}
          type="date"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          required
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : `${id}-hint`}
        />
      </div>
      <button type="submit" className="button">
        Show
      </button>
      <p className="hint" id={`${id}-hint`}>
        Both days included, in UTC.
      </p>
      {problem ? (
        <p className="field-error" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

/** No survey sent in the window: how to get the first ones. */
function EmptyReport({ enabled, allTime, admin }: { enabled: boolean; allTime: boolean; admin: boolean }) {
  return (
    <div className="card report-section empty-report" data-testid="empty-report">
      <h2>{allTime ? "No surveys yet" : "No surveys in this period"}</h2>
      {enabled ? (
        <p>
          CSAT is on: a survey goes out each time a conversation is resolved, in the customer’s chat and by email. Figures show up
          here once the first surveys are sent{allTime ? "" : " in this period — try a longer range"}.
        </p>
      ) : (
        <>
          <p>
            CSAT surveys are off, so customers are not asked how it went. Turn them on, and each resolved conversation sends a
            one-question survey whose answers fill this page.
          </p>
          {admin ? (
            <p>
              <Link className="button" to="/settings/csat">
                Turn on CSAT surveys
              </Link>
            </p>
          ) : (
            <p className="muted">Ask an admin to turn them on in Settings → CSAT.</p>
          )}
        </>
      )}
    </div>
  );
}

function Tile({ label, value, change, href }: { label: string; value: string; change: Change | null; href: string }) {
  return (
    <li>
      <Link className="tile" to={href}>
        <span className="tile__label">{label}</span>
        <span className="tile__value">{value}</span>
        {change ? (
          <span className={`tile__change tile__change--${change.direction}`}>
            {change.text}
            <span className="visually-hidden"> compared with the previous period</span>
            <span aria-hidden="true"> vs previous period</span>
          </span>
        ) : null}
      </Link>
    </li>
  );
}

function ChartSection({ title, children }: { title: string; children: (titleId: string) => ReactNode }) {
  const id = useId();
  return (
    <section className="card report-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children(id)}
    </section>
  );
}

type SortKey = "name" | "averageRating" | "responseRate" | "satisfiedRate" | "sent" | "submitted";
const COLUMNS: { key: Exclude<SortKey, "name">; label: string; format(f: Figures): string }[] = [
  { key: "averageRating", label: "Average rating", format: (f) => formatRating(f.averageRating) },
  { key: "responseRate", label: "Response rate", format: (f) => formatPercent(f.responseRate) },
  { key: "satisfiedRate", label: "Satisfied", format: (f) => formatPercent(f.satisfiedRate) },
  { key: "sent", label: "Sent", format: (f) => formatCount(f.sent) },
  { key: "submitted", label: "Submitted", format: (f) => formatCount(f.submitted) },
];

/** Rows sorted by a column; rows without a figure (no answers) go last either way, then by name. */
export function sortRows<T extends { name: string; figures: Figures }>(rows: readonly T[], key: SortKey, descending: boolean): T[] {
  return [...rows].sort((a, b) => {
    if (key === "name") return (descending ? -1 : 1) * a.name.localeCompare(b.name);
    const x = a.figures[key];
    const y = b.figures[key];
    if (x === null || x === undefined || y === null || y === undefined) {
      return x === y || (x == null && y == null) ? a.name.localeCompare(b.name) : x == null ? 1 : -1;
    }
    return (descending ? y - x : x - y) || a.name.localeCompare(b.name);
  });
}

function BreakdownTable({ title, nameHeader, rows, hrefFor }: { title: string; nameHeader: string; rows: readonly Row[]; hrefFor(row: Row): string }) {
  const id = useId();
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: "sent", descending: true });
  const named = rows.map((row) => ({ row, name: row.id ? row.label : UNATTRIBUTED, figures: figuresOf(row.figures) }));
  const sorted = sortRows(named, sort.key, sort.descending);
  const header = (key: SortKey, label: string, numeric: boolean) => {
    const active = sort.key === key;
    return (
      <th scope="col" className={numeric ? "num" : undefined} aria-sort={active ? (sort.descending ? "descending" : "ascending") : undefined}>
        <button
          type="button"
          className="sort"
          onClick={() => setSort({ key, descending: active ? !sort.descending : key !== "name" })}
        >
          {label}
          <span aria-hidden="true" className="sort__mark">
            {active ? (sort.descending ? " ▼" : " ▲") : " ↕"}
          </span>
        </button>
      </th>
    );
  };
  return (
    <section className="card report-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">No surveys in this period yet.</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={`${title}, table`} tabIndex={0}>
          <table className="table breakdown">
            <caption className="visually-hidden">{title}: select a column heading to sort by it; each name opens its answers.</caption>
            <thead>
              <tr>
                {header("name", nameHeader, false)}
                {COLUMNS.map((c) => (
                  <Fragment key={c.key}>{header(c.key, c.label, true)}</Fragment>
                ))}
              </tr>
            </thead>
            <tbody>
              {sorted.map(({ row, name, figures }) => (
                <tr key={row.id ?? "unattributed"}>
                  <th scope="row">
                    <Link to={hrefFor(row)}>{name}</Link>
                  </th>
                  {COLUMNS.map((c) => (
                    <td key={c.key} className="num">
                      {c.format(figures)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
