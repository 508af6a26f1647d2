import { formatCount, formatPercent } from "../../lib/format";
import { followLink as follow } from "./follow";

export interface DistributionBucket {
  score: number;
  count: number;
}

const WIDTH = 480;
const ROW = 30;
const LABEL = 56;
const VALUE = 92;


/**
 * Horizontal bars, 5 stars at the top, each a link to its answers (`hrefFor`); a table with the
 * same numbers follows for screen readers.
 */
export function DistributionChart({
  buckets,
  titleId,
  hrefFor,
}: {
  buckets: readonly DistributionBucket[];
  titleId: string;
  hrefFor(score: number): string;
}) {
  const byScore = [5, 4, 3, 2, 1].map((score) => ({ score, count: buckets.find((b) => b.score === score)?.count ?? 0 }));
  const total = byScore.reduce((sum, b) => sum + b.count, 0);
  const max = Math.max(1, ...byScore.map((b) => b.count));
  const barSpace = WIDTH - LABEL - VALUE;
  if (total === 0) return <p className="muted">No answers in this period yet.</p>;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${ROW * 5}`} className="chart__svg" role="group" aria-labelledby={titleId}>
        {byScore.map((bucket, i) => {
          const y = i * ROW;
          const width = (bucket.count / max) * barSpace;
          const href = hrefFor(bucket.score);
          return (
            <a
              key={bucket.score}
              href={href}
              className="chart__bucket"
              aria-label={`${bucket.score === 1 ? "1 star" : `${bucket.score} stars`}: ${formatCount(bucket.count)} answers (${formatPercent(bucket.count / total)})`}
              onClick={(event) => follow(event, href)}
            >
              <text x={LABEL - 8} y={y + ROW / 2} className="chart__label" textAnchor="end" dominantBaseline="middle">
                {bucket.score} ★
              </text>
              <rect x={LABEL} y={y + 5} width={barSpace} height={ROW - 10} className="chart__track" rx="3" />
              {bucket.count > 0 ? (
                <rect x={LABEL} y={y + 5} width={Math.max(2, width)} height={ROW - 10} className={`chart__bar chart__bar--${bucket.score}`} rx="3" />
              ) : null}
              <text x={WIDTH - VALUE + 8} y={y + ROW / 2} className="chart__value" dominantBaseline="middle">
                {formatCount(bucket.count)} ({formatPercent(bucket.count / total)})
              </text>
            </a>
          );
        })}
      </svg>
      <table className="visually-hidden" aria-labelledby={titleId}>
        <thead>
          <tr>
            <th scope="col">Rating</th>
            <th scope="col">Answers</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {byScore.map((bucket) => (
            <tr key={bucket.score}>
              <th scope="row">{bucket.score === 1 ? "1 star" : `${bucket.score} stars`}</th>
              <td>{bucket.count}</td>
              <td>{formatPercent(bucket.count / total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
