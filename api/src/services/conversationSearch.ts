import { z } from "zod";
import type { App } from "../deps.js";
import { badInput } from "../errors.js";
import { isId } from "../tokens.js";
import type { Actor } from "./actors.js";
import { requireMember } from "./actors.js";
import type { ConversationQuery } from "./conversations.js";
import {
  beginWalk,
  countConversations,
  findConversationPage,
  pruneOrderChanges,
  type ConversationSearchFilter,
} from "../db/conversationSearch.js";
import { labelSchema, pageSize, parseInput } from "./validation.js";

/**
 * How long a walk of the list may last. The order it pages against is kept a day
 * (pruneConversationOrder); a walk older than this asks the client to start again from the top.
 */
export const WALK_LIFETIME_MS = 23 * 60 * 60 * 1000;
const ORDER_KEPT_MS = 24 * 60 * 60 * 1000;

/** At most this many words of a search count; each must be in the conversation (as a word's start). */
const MAX_SEARCH_WORDS = 8;

const idOrNone = (field: string) =>
  z
    .string()
    .nullish()
    .refine((v) => v == null || v === "none" || isId(v), `${field} must be an id, or "none"`)
    .transform((v) => v ?? null);

const filterSchema = z
  .object({
    status: z.enum(["OPEN", "RESOLVED"]).nullish(),
    channelId: idOrNone("channelId"),
    botId: idOrNone("botId"),
    assigneeId: idOrNone("assigneeId"),
    label: labelSchema.nullish(),
    surveyState: z.enum(["SCHEDULED", "DISPATCHED", "SUBMITTED", "CANCELLED"]).nullish(),
    search: z.string().max(200, "search must be at most 200 characters").nullish(),
  })
  .nullish();

export type ConversationFilterInput = z.input<typeof filterSchema>;

/**
 * The words of a search as a tsquery: each a prefix ("refund" finds "refunds"), all of them
 * required. Words are runs of letters and digits, so nothing of to_tsquery's syntax gets through.
 */
export function searchQuery(search: string | null | undefined): string | null {
  const words = (search ?? "").normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (!words.length) return null;
  return [...new Set(words)].slice(0, MAX_SEARCH_WORDS).map((w) => `${w}:*`).join(" & ");
}

function parseFilter(input: ConversationFilterInput): ConversationSearchFilter {
  const f = parseInput(filterSchema, input);
  if (!f) return { status: null, channelId: null, botId: null, assigneeId: null, label: null, surveyState: null, tsquery: null };
  return {
    status: f.status ?? null,
    channelId: f.channelId ?? null,
    botId: f.botId ?? null,
    assigneeId: f.assigneeId ?? null,
    label: f.label ?? null,
    surveyState: f.surveyState ?? null,
    tsquery: searchQuery(f.search),
  };
}

interface Cursor {
  /** The walk's snapshot (pg_snapshot text). */
  s: string;
  /** When the walk began (ms since 1970, the wall clock). */
  t: number;
  /** The last conversation given: its order key (ms) and id. */
  u: number;
  i: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

/** A pg_snapshot as PostgreSQL accepts it: xmin:xmax:xip,… with xmin ≤ xip < xmax, ascending. */
function validSnapshot(text: string): boolean {
  const m = /^(\d{1,19}):(\d{1,19}):((?:\d{1,19})(?:,\d{1,19})*)?$/.exec(text);
  if (!m) return false;
  const xmin = BigInt(m[1]!);
  const xmax = BigInt(m[2]!);
  if (xmin < 1n || xmin > xmax) return false;
  let last = xmin;
  for (const x of m[3] ? m[3].split(",").map(BigInt) : []) {
    if (x < last || x >= xmax) return false;
    last = x;
  }
  return true;
}

function decodeCursor(after: string, now: number): Cursor {
  const bad = () => badInput("after is not a cursor of this list; start again without it");
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(after, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const parsed = z
    .object({ s: z.string().max(10_000), t: z.number().int().nonnegative(), u: z.number().int(), i: z.string() })
    .safeParse(c);
  if (!parsed.success || !isId(parsed.data.i) || !validSnapshot(parsed.data.s) || !Number.isFinite(new Date(parsed.data.u).getTime())) {
    throw bad();
  }
  if (now - parsed.data.t > WALK_LIFETIME_MS) throw badInput("this cursor is more than a day old; start again without it");
  return parsed.data;
}

/** One page of the inbox: the conversations' ids in order, each with its cursor. */
export interface ConversationPage {
  workspaceId: string;
  filter: ConversationSearchFilter;
  edges: { cursor: string; id: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * A page of the member's workspace's conversations, most recently updated first. Paging with
 * `after` (a cursor of this walk) continues the walk against the order as it stood on its first
 * page: a conversation updated meanwhile keeps its place, so none is given twice or skipped; one
 * started meanwhile is not in the walk (the inbox hears of it live).
 */
export async function searchConversations(
  app: App,
  actor: Actor | null,
  args: { filter?: ConversationFilterInput; first?: number | null | undefined; after?: string | null | undefined },
): Promise<ConversationPage> {
  const member = requireMember(actor);
  const filter = parseFilter(args.filter);
  const take = pageSize(args.first, 50);
  let walk: { snapshot: string; startedAt: number };
  let position: { updatedAt: Date; id: string } | null = null;
  if (args.after != null) {
    const c = decodeCursor(args.after, Date.now());
    walk = { snapshot: c.s, startedAt: c.t };
    position = { updatedAt: new Date(c.u), id: c.i };
  } else {
    // The wall clock (as the pruning's), not app.clock, which tests hold still.
    walk = { snapshot: await beginWalk(app.sql), startedAt: Date.now() };
  }
  const rows = take === 0 ? [] : await findConversationPage(app.sql, member.workspaceId, filter, walk.snapshot, position, take + 1);
  const page = rows.slice(0, take);
  const edges = page.map((r) => ({
    id: r.id,
    cursor: encodeCursor({ s: walk.snapshot, t: walk.startedAt, u: r.updatedAt.getTime(), i: r.id }),
  }));
  return {
    workspaceId: member.workspaceId,
    filter,
    edges,
    pageInfo: { hasNextPage: rows.length > take, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** The conversations of a page, as the selection asks for them, in the page's order. */
export async function loadPageConversations(app: App, page: ConversationPage, query: ConversationQuery) {
  if (!page.edges.length) return [];
  const rows = await app.prisma.conversation.findMany({
    ...query,
    where: { id: { in: page.edges.map((e) => e.id) }, workspaceId: page.workspaceId },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  // A conversation deleted between the two reads drops out of the page.
  return page.edges.flatMap((e) => {
    const node = byId.get(e.id);
    return node ? [{ cursor: e.cursor, node }] : [];
  });
}

/** How many conversations match the page's filter now. */
export function countMatching(app: App, page: ConversationPage): Promise<number> {
  return countConversations(app.sql, page.workspaceId, page.filter);
}

/** Housekeeping: forgets the order kept for walks older than any cursor may be. */
export function pruneConversationOrder(app: App): Promise<number> {
  return pruneOrderChanges(app.sql, new Date(Date.now() - ORDER_KEPT_MS));
}
