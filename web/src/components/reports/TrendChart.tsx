import { countAxis, linePath } from "../../lib/chart";
import { formatRating } from "../../lib/format";
import type { TrendUnit } from "../../lib/trend";

export interface TrendPoint {
  /** YYYY-MM-DD: the day, or the month's first day */
  date: string;
  sent: number;
  submitted: number;
  averageRating: number | null;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 40, bottom: 28, left: 36 };
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short", year: "2-digit", timeZone: "UTC" });
const formatBucket = (date: string, unit: TrendUnit) => (unit === "day" ? dayFormat : monthFormat).format(new Date(`${date}T00:00:00Z`));

/**
 * Answers per day (or month) as bars (left axis) and the average rating as a line (right axis,
 * 1–5); a table with the same numbers follows for screen readers.
 */
export function TrendChart({ points, unit, titleId }: { points: readonly TrendPoint[]; unit: TrendUnit; titleId: string }) {
  if (points.length === 0 || points.every((p) => p.sent === 0 && p.submitted === 0)) {
    return <p className="muted">No surveys in this period yet.</p>;
  }
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const axis = countAxis(Math.max(...points.map((p) => p.submitted)));
  const maxCount = axis.max;
  const step = innerW / points.length;
  const barW = Math.max(1, Math.min(24, step * 0.7));
  const x = (i: number) => PAD.left + step * i + step / 2;
  const yCount = (n: number) => PAD.top + innerH - (n / maxCount) * innerH;
  const yRating = (r: number) => PAD.top + innerH - ((r - 1) / 4) * innerH;
  const labelEvery = Math.ceil(points.length / 8);
  const line = linePath(points.map((p, i) => (p.averageRating === null ? null : { x: x(i), y: yRating(p.averageRating) })));

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart__svg" aria-hidden="true" focusable="false">
        {axis.ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={yCount(t)} y2={yCount(t)} className="chart__grid" />
            <text x={PAD.left - 6} y={yCount(t)} textAnchor="end" dominantBaseline="middle" className="chart__axis">
              {t}
            </text>
          </g>
        ))}
        {[1, 2, 3, 4, 5].map((r) => (
          <text key={r} x={WIDTH - PAD.right + 6} y={yRating(r)} dominantBaseline="middle" className="chart__axis chart__axis--rating">
            {r}★
          </text>
        ))}
        {points.map((p, i) =>
          p.submitted > 0 ? (
            <rect key={p.date} x={x(i) - barW / 2} y={yCount(p.submitted)} width={barW} height={yCount(0) - yCount(p.submitted)} className="chart__bar" rx="2" />
          ) : null,
        )}
        <path d={line} className="chart__line" />
        {points.map((p, i) =>
          p.averageRating === null ? null : <circle key={p.date} cx={x(i)} cy={yRating(p.averageRating)} r="3" className="chart__dot" />,
        )}
        {points.map((p, i) =>
          i % labelEvery === 0 ? (
            <text key={p.date} x={x(i)} y={HEIGHT - 8} textAnchor="middle" className="chart__axis">
              {formatBucket(p.date, unit)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption className="chart__legend">
        <span className="legend legend--bar">Answers per {unit}</span>
        <span className="legend legend--line">Average rating</span>
      </figcaption>
      <table className="visually-hidden" aria-labelledby={titleId}>
        <thead>
          <tr>
            <th scope="col">{unit === "day" ? "Day" : "Month"}</th>
            <th scope="col">Sent</th>
            <th scope="col">Answers</th>
            <th scope="col">Average rating</th>
          </tr>
        </thead>
        <tbody>
          {points
            .filter((p) => p.sent > 0 || p.submitted > 0)
            .map((p) => (
              <tr key={p.date}>
                <th scope="row">{formatBucket(p.date, unit)}</th>
                <td>{p.sent}</td>
                <td>{p.submitted}</td>
                <td>{formatRating(p.averageRating)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}
