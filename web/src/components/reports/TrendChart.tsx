import { useState } from "react";
import { countAxis, linePath } from "../../lib/chart";
import { formatRating } from "../../lib/format";
import { bucketLabel, bucketName, FEW_ANSWERS, type TrendBucket, type TrendUnit } from "../../lib/trend";
import { followLink as follow } from "./follow";

const WIDTH = 640;
const HEIGHT = 230;
const PAD = { top: 22, right: 40, bottom: 28, left: 36 };

const answers = (n: number) => `${n.toLocaleString("en-US")} answer${n === 1 ? "" : "s"}`;

/** A bucket in words, for its link and its tooltip. */
export function describeBucket(point: TrendBucket, unit: TrendUnit): string {
  const average = point.averageRating === null ? "no average" : `average ${formatRating(point.averageRating)} out of 5`;
  const few = point.submitted > 0 && point.submitted < FEW_ANSWERS ? " (few answers)" : "";
  return `${bucketName(point.from, unit)}: ${answers(point.submitted)} of ${point.sent.toLocaleString("en-US")} sent, ${average}${few}`;
}


/**
 * Answers per day, week or month as bars (left axis) and the average rating as a line (right axis,
 * 1–5). An average over fewer than 5 answers is a hollow dot with its n. Each bucket is a link to
 * its answers (`hrefFor`) showing its figures on hover and on keyboard focus; a table with the
 * same numbers follows for screen readers.
 */
export function TrendChart({
  points,
  unit,
  titleId,
  hrefFor,
}: {
  points: readonly TrendBucket[];
  unit: TrendUnit;
  titleId: string;
  hrefFor(point: TrendBucket): string;
}) {
  const [active, setActive] = useState<number | null>(null);
  if (points.length === 0 || points.every((p) => p.sent === 0 && p.submitted === 0)) {
    return <p className="muted">No surveys in this period yet.</p>;
  }
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const axis = countAxis(Math.max(...points.map((p) => p.submitted)));
  const step = innerW / points.length;
  const barW = Math.max(1, Math.min(28, step * 0.7));
  const x = (i: number) => PAD.left + step * i + step / 2;
  const yCount = (n: number) => PAD.top + innerH - (n / axis.max) * innerH;
  const yRating = (r: number) => PAD.top + innerH - ((r - 1) / 4) * innerH;
  const labelEvery = Math.ceil(points.length / 8);
  const line = linePath(points.map((p, i) => (p.averageRating === null ? null : { x: x(i), y: yRating(p.averageRating) })));
  const shown = active === null ? null : points[active];
  const period = unit === "day" ? "Day" : unit === "week" ? "Week of" : "Month";

  return (
    <figure className="chart chart--trend" onMouseLeave={() => setActive(null)}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart__svg" role="group" aria-labelledby={titleId}>
        <g aria-hidden="true">
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
            i % labelEvery === 0 ? (
              <text key={p.from} x={x(i)} y={HEIGHT - 8} textAnchor="middle" className="chart__axis">
                {bucketLabel(p.from, unit)}
              </text>
            ) : null,
          )}
        </g>
        {points.map((p, i) => {
          const href = hrefFor(p);
          return (
            <a
              key={p.from}
              href={href}
              className={`chart__bucket${active === i ? " chart__bucket--active" : ""}`}
              aria-label={describeBucket(p, unit)}
              onClick={(event) => follow(event, href)}
              onMouseEnter={() => setActive(i)}
              onFocus={() => setActive(i)}
              onBlur={() => setActive((current) => (current === i ? null : current))}
            >
              <rect x={x(i) - step / 2} y={PAD.top} width={step} height={innerH} className="chart__hit" />
              {p.submitted > 0 ? (
                <rect x={x(i) - barW / 2} y={yCount(p.submitted)} width={barW} height={yCount(0) - yCount(p.submitted)} className="chart__bar" rx="2" />
              ) : null}
            </a>
          );
        })}
        <g aria-hidden="true" pointerEvents="none">
          <path d={line} className="chart__line" />
          {points.map((p, i) => {
            if (p.averageRating === null) return null;
            const few = p.submitted < FEW_ANSWERS;
            return (
              <g key={p.from}>
                <circle cx={x(i)} cy={yRating(p.averageRating)} r={few ? 4 : 3.5} className={few ? "chart__dot chart__dot--few" : "chart__dot"} />
                {few ? (
                  <text x={x(i)} y={yRating(p.averageRating) - 8} textAnchor="middle" className="chart__axis chart__n">
                    n={p.submitted}
                  </text>
                ) : null}
              </g>
            );
          })}
        </g>
      </svg>
      {shown ? (
        <div
          className="chart__tip"
          style={{ left: `${(x(active!) / WIDTH) * 100}%` }}
          data-side={x(active!) > WIDTH / 2 ? "left" : "right"}
          aria-hidden="true"
        >
          <strong>{bucketName(shown.from, unit)}</strong>
          <span>
            {answers(shown.submitted)} of {shown.sent.toLocaleString("en-US")} sent
          </span>
          <span>
            {shown.averageRating === null ? "No average" : `Average ${formatRating(shown.averageRating)} / 5`}
            {shown.submitted > 0 && shown.submitted < FEW_ANSWERS ? " — few answers" : ""}
          </span>
        </div>
      ) : null}
      <figcaption className="chart__legend">
        <span className="legend legend--bar">Answers per {unit}</span>
        <span className="legend legend--line">Average rating</span>
        <span className="legend legend--few">Fewer than {FEW_ANSWERS} answers</span>
      </figcaption>
      <table className="visually-hidden" aria-labelledby={titleId}>
        <thead>
          <tr>
            <th scope="col">{period}</th>
            <th scope="col">Sent</th>
            <th scope="col">Answers</th>
            <th scope="col">Average rating</th>
          </tr>
        </thead>
        <tbody>
          {points
            .filter((p) => p.sent > 0 || p.submitted > 0)
            .map((p) => (
              <tr key={p.from}>
                <th scope="row">{bucketLabel(p.from, unit)}</th>
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
