import { z } from "zod";
import type { Prisma } from "../../generated/prisma/client.js";
import type { App } from "../../deps.js";
import { countResponses, findResponses, type ResponseCursor, type ResponseFilter } from "../../db/responses.js";
import { badInput } from "../../errors.js";
import { isId } from "../../tokens.js";
import { requireMember, type Actor } from "../actors.js";
import { csatWindows, type CsatRange } from "../reports/windows.js";
import { pageSize, parseInput } from "../validation.js";

/** The explorer's filters as GraphQL, MCP and the web app's URL give them. */
export interface CsatResponseFilterInput {
  range?: CsatRange | null | undefined;
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  /** A bot's id, or "none" for surveys with no bot (likewise channelId and teammateId). */
  botId?: string | null | undefined;
  channelId?: string | null | undefined;
  teammateId?: string | null | undefined;
  scores?: readonly number[] | null | undefined;
  hasComment?: boolean | null | undefined;
  reason?: string | null | undefined;
  search?: string | null | undefined;
}

/** What a filter's bot, channel or teammate id may be: an id, or "none" for unattributed. */
export const UNATTRIBUTED = "none";

/** At most this many words of a search count (each must be in the comment, name or email). */
const MAX_SEARCH_WORDS = 8;

const attribution = (name: string) =>
  z
    .string()
    .refine((v) => v === UNATTRIBUTED || isId(v), `${name} must be an id or "${UNATTRIBUTED}"`)
    .transform((v) => (v === UNATTRIBUTED ? null : v.toLowerCase()))
    .nullish();

const filterSchema = z.object({
  botId: attribution("botId"),
  channelId: attribution("channelId"),
  teammateId: attribution("teammateId"),
  scores: z
    .array(z.number().int().min(1).max(5), { error: "scores must be whole numbers from 1 to 5" })
    .max(5)
    .refine((s) => s.every((n) => Number.isInteger(n) && n >= 1 && n <= 5), "scores must be whole numbers from 1 to 5")
    .nullish(),
  hasComment: z.boolean().nullish(),
  reason: z.string().max(200, "reason is at most 200 characters").nullish(),
  search: z.string().max(200, "search is at most 200 characters").nullish(),
});

/**
 * The words of a search as a tsquery in the 'simple' configuration: every word must occur, each as
 * a prefix (so "refu" finds "refund"); words are runs of letters and digits, as the database splits them.
 */
export function searchQuery(search: string): string | undefined {
  const words = search.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return undefined;
  return [...new Set(words)]
    .slice(0, MAX_SEARCH_WORDS)
    .map((w) => `'${w}':*`)
    .join(" & ");
}

/** Checks a filter and turns it into the statements' terms; bad input is BAD_USER_INPUT. */
export function parseResponseFilter(input: CsatResponseFilterInput | null | undefined, now: Date): ResponseFilter {
  const given = input ?? {};
  const { current } = csatWindows(given.range ?? "ALL_TIME", now, { from: given.from ?? null, to: given.to ?? null });
  const parsed = parseInput(filterSchema, {
    botId: given.botId,
    channelId: given.channelId,
    teammateId: given.teammateId,
    scores: given.scores ? [...given.scores] : given.scores,
    hasComment: given.hasComment,
    reason: given.reason,
    search: given.search,
  });
  const filter: ResponseFilter = { from: current.from, to: current.to };
  if (parsed.botId !== undefined) filter.botId = parsed.botId;
  if (parsed.channelId !== undefined) filter.channelId = parsed.channelId;
  if (parsed.teammateId !== undefined) filter.teammateId = parsed.teammateId;
  if (parsed.scores && parsed.scores.length > 0) filter.scores = [...new Set(parsed.scores)];
  if (parsed.hasComment !== null && parsed.hasComment !== undefined) filter.hasComment = parsed.hasComment;
  if (parsed.reason) filter.reason = parsed.reason;
  const query = parsed.search ? searchQuery(parsed.search) : undefined;
  if (query) filter.query = query;
  return filter;
}

/** A page's cursor: the answer's time and id, opaque to clients. */
export function encodeCursor(c: { at: Date; id: string }): string {
  return Buffer.from(`${c.at.toISOString()}|${c.id}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | null | undefined): { at: Date; id: string } | null {
  if (cursor === null || cursor === undefined || cursor === "") return null;
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(at ?? "");
  if (rest.length > 0 || !id || !isId(id) || Number.isNaN(date.getTime())) throw badInput("after must be an endCursor this API gave");
  return { at: date, id };
}

/** One page of a connection: the nodes' ids in order, with their cursors. */
export interface Page {
  workspaceId: string;
  edges: { cursor: string; id: string }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** A page of the explorer, with what counting its matches needs. */
export interface ResponsePage extends Page {
  filter: ResponseFilter;
}

/**
 * Answered surveys of the actor's workspace, newest answer first, `first` (≤ 100) after the
 * cursor `after`. The rows come back as ids; the caller loads what it shows of them.
 */
export async function listCsatResponses(
  app: App,
  actor: Actor | null,
  args: { filter?: CsatResponseFilterInput | null | undefined; first?: number | null | undefined; after?: string | null | undefined },
): Promise<ResponsePage> {
  const member = requireMember(actor);
  const filter = parseResponseFilter(args.filter, app.clock.now());
  const limit = pageSize(args.first, 50);
  const after = decodeCursor(args.after);
  const rows = await findResponses(app.sql, member.workspaceId, filter, after && { answeredAt: after.at, id: after.id }, limit + 1);
  return { workspaceId: member.workspaceId, filter, ...pageOf(rows.slice(0, limit + 1), limit, (r: ResponseCursor) => r.answeredAt) };
}

/** How many answers the page's filter matches (all pages together). */
export function countCsatResponses(app: App, page: ResponsePage): Promise<number> {
  return countResponses(app.sql, page.workspaceId, page.filter);
}

/** A connection's page from up to `limit + 1` rows: the extra one only says there is a next page. */
export function pageOf<R extends { id: string }>(rows: R[], limit: number, at: (row: R) => Date): Omit<Page, "workspaceId"> {
  const shown = rows.slice(0, limit);
  const edges = shown.map((r) => ({ id: r.id, cursor: encodeCursor({ at: at(r), id: r.id }) }));
  return { edges, hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null };
}

/** `rows` in the order of `ids` (rows loaded by id come back in any order). */
export function inOrder<R extends { id: string }>(ids: string[], rows: R[]): R[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Prisma's include/select for surveys, as GraphQL selections plan it. */
export type SurveyQuery = Pick<Prisma.CsatSurveyFindManyArgs, "include" | "select">;

/** The page's surveys, loaded with `query` in one go (an empty page reads nothing). */
export async function loadCsatSurveys<Q extends SurveyQuery>(app: App, page: Page, query: Q): Promise<Prisma.CsatSurveyGetPayload<Q>[]> {
  if (page.edges.length === 0) return [];
  return app.prisma.csatSurvey.findMany({ ...query, where: { workspaceId: page.workspaceId, id: { in: page.edges.map((e) => e.id) } } }) as never;
}
