/**
 * The answers behind a figure of the reports: a link to the Responses page (`/responses`), which
 * reads these URL parameters. `null` for a bot or channel means "none" (the unattributed row).
 */
export interface ResponsesFilter {
  range?: string | null;
  /** With range CUSTOM: the window's first instant and the instant after it (ISO). */
  from?: string | null;
  to?: string | null;
  botId?: string | null;
  channelId?: string | null;
  teammateId?: string | null;
  scores?: readonly number[] | null;
  hasComment?: boolean | null;
  reason?: string | null;
  q?: string | null;
}

/**
 * `/responses?…` for `filter`, parameters in a fixed order (range, from, to, botId, channelId,
 * teammateId, scores, hasComment, reason, q) and only those given. `botId: null` or
 * `channelId: null` (the unattributed row) becomes `none`; undefined leaves the parameter out.
 */
export function responsesHref(filter: ResponsesFilter = {}): string {
  const params = new URLSearchParams();
  const set = (name: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") params.set(name, value);
  };
  set("range", filter.range);
  if (filter.range === "CUSTOM" || !filter.range) {
    set("from", filter.from);
    set("to", filter.to);
  }
  if (filter.botId !== undefined) params.set("botId", filter.botId ?? "none");
  if (filter.channelId !== undefined) params.set("channelId", filter.channelId ?? "none");
  set("teammateId", filter.teammateId);
  if (filter.scores?.length) params.set("scores", [...filter.scores].sort((a, b) => a - b).join(","));
  if (filter.hasComment) params.set("hasComment", "1");
  set("reason", filter.reason);
  set("q", filter.q);
  const query = params.toString().replace(/%2C/g, ",");
  return query ? `/responses?${query}` : "/responses";
}
