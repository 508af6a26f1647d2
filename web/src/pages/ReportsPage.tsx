import { useId, type ReactNode } from "react";
import { useQuery } from "urql";
import { CsvExportButton } from "../components/reports/CsvExportButton";
import { DistributionChart } from "../components/reports/DistributionChart";
import { TrendChart } from "../components/reports/TrendChart";
import { useCsatTrend } from "../components/reports/useCsatTrend";
import { Stars } from "../components/Stars";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { formatDateTime, Time } from "../format";
import { graphql, useFragment as readFragment, type FragmentType } from "../gql";
import type { CsatRange, CsatReportQuery, ReportFiguresFragment as ReportFigures } from "../gql/graphql";
import { describeChange, formatCount, formatPercent, formatRating, UNATTRIBUTED, type Change } from "../lib/format";
import { navigate, useSearchParam } from "../router";
import { useCsatAnswered } from "../useCsatAnswered";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";

const CsatReportDocument = graphql(`
  query CsatReport($range: CsatRange!) {
    csatReport(range: $range) {
      range
      from
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

/** A safety net behind the csatAnswered subscription (a dropped socket, another tab's changes). */
const REFRESH_MS = 30_000;

type Report = CsatReportQuery["csatReport"];
type Row = Report["byBot"][number];
type Figures = ReportFigures;

const figuresOf = (value: FragmentType<typeof ReportFiguresFragment>): Figures => readFragment(ReportFiguresFragment, value);

const isRange = (value: string | null): value is PresetRange => RANGES.some((r) => r.value === value);

/** `/reports`: the "Customer satisfaction" section, live as answers arrive. */
export function ReportsPage() {
  useDocumentTitle("Reports");
  const id = useId();
  const me = useCurrentTeammate();
  const rangeParam = useSearchParam("range");
  const range: PresetRange = isRange(rangeParam) ? rangeParam : DEFAULT_RANGE;
  const rangeName = RANGES.find((r) => r.value === range)!.name;
  const [{ data, error, fetching }, refetch] = useQuery({ query: CsatReportDocument, variables: { range } });
  const trend = useCsatTrend(range);
  useLiveRefetch(() => {
    refetch({ requestPolicy: "network-only" });
    trend.refresh();
  }, REFRESH_MS);
  useCsatAnswered(() => {
    refetch({ requestPolicy: "network-only" });
    trend.refresh();
  });
  const report = data?.csatReport.range === range ? data.csatReport : undefined;
  const totals = report ? figuresOf(report.totals) : null;
  const previous = report?.previous ? figuresOf(report.previous.totals) : null;

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
                aria-pressed={option.value === range}
                aria-label={`${option.label} (${option.name.toLowerCase()})`}
                onClick={() => navigate(`/reports?range=${option.value}`, { replace: true })}
              >
                {option.label}
              </button>
            ))}
          </div>
          {report && me?.role === "ADMIN" ? <CsvExportButton range={range} /> : null}
        </div>
      </div>
      <p role="status" className="page__status">
        {fetching && !report ? "Loading the report…" : ""}
      </p>
      {error && !report ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {report && totals ? (
        <>
          <p className="muted period">
            {rangeName}
            {report.from ? ` — surveys sent since ${formatDateTime(report.from)}` : " — every survey sent"}
            {report.previous ? ", compared with the period of the same length before." : "."}
          </p>
          <ul className="tiles" aria-label={`Totals, ${rangeName.toLowerCase()}`}>
            <Tile
              label="Average rating"
              value={totals.averageRating === null ? "—" : `${formatRating(totals.averageRating)} / 5`}
              change={describeChange(totals.averageRating, previous?.averageRating, "rating")}
            />
            <Tile
              label="Response rate"
              value={formatPercent(totals.responseRate)}
              change={describeChange(totals.responseRate, previous?.responseRate, "percent")}
            />
            <Tile label="Surveys sent" value={formatCount(totals.sent)} change={describeChange(totals.sent, previous?.sent, "count")} />
            <Tile
              label="Surveys submitted"
              value={formatCount(totals.submitted)}
              change={describeChange(totals.submitted, previous?.submitted, "count")}
            />
            <Tile
              label="Satisfied (4–5 stars)"
              value={formatPercent(totals.satisfiedRate)}
              change={describeChange(totals.satisfiedRate, previous?.satisfiedRate, "percent")}
            />
          </ul>

          <div className="report-grid">
            <ChartSection title="Rating distribution">
              {(titleId) => <DistributionChart buckets={report.totals.ratingDistribution} titleId={titleId} />}
            </ChartSection>
            <ChartSection title={trend.unit === "day" ? "Daily trend" : "Monthly trend, last 12 months"}>
              {(titleId) =>
                trend.points ? (
                  <TrendChart points={trend.points} unit={trend.unit} titleId={titleId} />
                ) : trend.error ? (
                  <p className="muted">The trend could not be loaded. It retries on the next refresh.</p>
                ) : (
                  <p className="muted">Loading the trend…</p>
                )
              }
            </ChartSection>
          </div>

          <BreakdownTable title="By bot" nameHeader="Bot" rows={report.byBot} />
          <BreakdownTable title="By channel" nameHeader="Channel" rows={report.byChannel} />

          <section className="card report-section" aria-labelledby={`${id}-comments`}>
            <h2 id={`${id}-comments`}>Recent comments</h2>
            {report.recentComments.length === 0 ? (
              <p className="muted">No comments in this period yet.</p>
            ) : (
              <ul className="comments">
                {report.recentComments.map((comment, index) => (
                  <li key={`${comment.answeredAt}-${index}`} className="comment">
                    <div className="comment__head">
                      <Stars score={comment.score} />
                      <Time value={comment.answeredAt} />
                    </div>
                    <blockquote>{comment.comment}</blockquote>
                    <p className="muted comment__source">
                      <span className="visually-hidden">Bot: </span>
                      {comment.bot?.name ?? UNATTRIBUTED} · <span className="visually-hidden">Channel: </span>
                      {comment.channel?.name ?? UNATTRIBUTED}
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
    </section>
  );
}

function Tile({ label, value, change }: { label: string; value: string; change: Change | null }) {
  return (
    <li className="tile">
      <span className="tile__label">{label}</span>
      <span className="tile__value">{value}</span>
      {change ? (
        <span className={`tile__change tile__change--${change.direction}`}>
          {change.text}
          <span className="visually-hidden"> compared with the previous period</span>
          <span aria-hidden="true"> vs previous period</span>
        </span>
      ) : null}
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

function BreakdownTable({ title, nameHeader, rows }: { title: string; nameHeader: string; rows: readonly Row[] }) {
  const id = useId();
  return (
    <section className="card report-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">No surveys in this period yet.</p>
      ) : (
        <div className="table-wrap" role="region" aria-labelledby={id} tabIndex={0}>
          <table className="table breakdown">
            <thead>
              <tr>
                <th scope="col">{nameHeader}</th>
                <th scope="col" className="num">
                  Average rating
                </th>
                <th scope="col" className="num">
                  Response rate
                </th>
                <th scope="col" className="num">
                  Satisfied
                </th>
                <th scope="col" className="num">
                  Sent
                </th>
                <th scope="col" className="num">
                  Submitted
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const f = figuresOf(row.figures);
                return (
                  <tr key={row.id ?? "unattributed"}>
                    <th scope="row">{row.id ? row.label : UNATTRIBUTED}</th>
                    <td className="num">{formatRating(f.averageRating)}</td>
                    <td className="num">{formatPercent(f.responseRate)}</td>
                    <td className="num">{formatPercent(f.satisfiedRate)}</td>
                    <td className="num">{formatCount(f.sent)}</td>
                    <td className="num">{formatCount(f.submitted)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
