/**
 * The Responses page's filters as its URL carries them (others link to it, e.g. the Reports page):
 * `/responses?range=&from=&to=&botId=&channelId=&teammateId=&scores=1,2&hasComment=1&reason=&q=`,
 * `none` for an unattributed bot, channel or teammate.
 */
export const RESPONSE_RANGES = ["LAST_7_DAYS", "LAST_30_DAYS", "LAST_90_DAYS", "ALL_TIME", "CUSTOM"] as const;
export type ResponseRange = (typeof RESPONSE_RANGES)[number];

export interface ResponsesFilterState {
  range: ResponseRange;
  from: string;
  to: string;
  botId: string;
  channelId: string;
  teammateId: string;
  scores: number[];
  hasComment: "" | "1" | "0";
  reason: string;
  q: string;
}

export const EMPTY_FILTER: ResponsesFilterState = {
  range: "ALL_TIME",
  from: "",
  to: "",
  botId: "",
  channelId: "",
  teammateId: "",
  scores: [],
  hasComment: "",
  reason: "",
  q: "",
};

export function parseResponsesFilter(search: string): ResponsesFilterState {
  const p = new URLSearchParams(search);
  const range = RESPONSE_RANGES.find((r) => r === p.get("range")) ?? "ALL_TIME";
  const scores = [...new Set((p.get("scores") ?? "").split(",").map(Number))].filter((n) => Number.isInteger(n) && n >= 1 && n <= 5).sort();
  const hasComment = p.get("hasComment");
  return {
    range,
    from: range === "CUSTOM" ? (p.get("from") ?? "") : "",
    to: range === "CUSTOM" ? (p.get("to") ?? "") : "",
    botId: p.get("botId") ?? "",
    channelId: p.get("channelId") ?? "",
    teammateId: p.get("teammateId") ?? "",
    scores,
    hasComment: hasComment === "1" || hasComment === "0" ? hasComment : "",
    reason: p.get("reason") ?? "",
    q: p.get("q") ?? "",
  };
}

/** The page's address for a filter; defaults are left out. */
export function responsesUrl(f: ResponsesFilterState): string {
  const p = new URLSearchParams();
  if (f.range !== "ALL_TIME") p.set("range", f.range);
  if (f.range === "CUSTOM" && f.from) p.set("from", f.from);
  if (f.range === "CUSTOM" && f.to) p.set("to", f.to);
  if (f.botId) p.set("botId", f.botId);
  if (f.channelId) p.set("channelId", f.channelId);
  if (f.teammateId) p.set("teammateId", f.teammateId);
  if (f.scores.length > 0) p.set("scores", f.scores.join(","));
  if (f.hasComment) p.set("hasComment", f.hasComment);
  if (f.reason) p.set("reason", f.reason);
  if (f.q) p.set("q", f.q);
  const query = p.toString();
  return query ? `/responses?${query}` : "/responses";
}

/** A `from`/`to` value (a date, or a date and time) as an instant; null when it is not one. */
function instant(value: string): string | null {
  if (!value) return null;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The GraphQL CsatResponseFilter for a filter (a CUSTOM range without both ends falls back to all time). */
export function toResponseFilter(f: ResponsesFilterState) {
  const from = instant(f.from);
  const to = instant(f.to);
  const custom = f.range === "CUSTOM" && from && to;
  return {
    range: custom ? ("CUSTOM" as const) : f.range === "CUSTOM" ? ("ALL_TIME" as const) : f.range,
    ...(custom ? { from, to } : {}),
    ...(f.botId ? { botId: f.botId } : {}),
    ...(f.channelId ? { channelId: f.channelId } : {}),
    ...(f.teammateId ? { teammateId: f.teammateId } : {}),
    ...(f.scores.length > 0 ? { scores: f.scores } : {}),
    ...(f.hasComment ? { hasComment: f.hasComment === "1" } : {}),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.q.trim() ? { search: f.q.trim() } : {}),
  };
}
