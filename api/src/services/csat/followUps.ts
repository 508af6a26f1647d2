import { z } from "zod";
import type { App } from "../../deps.js";
import type { Queryable } from "../../db/client.js";
import { changeFollowUp, countFollowUps, findFollowUps, isActiveTeammate, lockFollowUp, type FollowUpFilter, type FollowUpValues } from "../../db/followUps.js";
import { badInput, notFound } from "../../errors.js";
import type { Prisma } from "../../generated/prisma/client.js";
import { CsatFollowUpStatus } from "../../generated/prisma/enums.js";
import type { CsatFollowUpChanged } from "../../pubsub.js";
import { isId } from "../../tokens.js";
import { requireFollowUpWatch, requireMember, type Actor } from "../actors.js";
import { auditedBy } from "../audit.js";
import { pageSize, parseInput, storableText } from "../validation.js";
import { decodeCursor, pageOf, type Page } from "./responses.js";

export const MAX_FOLLOW_UP_NOTE = 2000;

/** A follow-up just opened by an answer (in the answer's statement). */
export interface OpenedFollowUp {
  id: string;
  workspaceId: string;
  surveyId: string;
  ownerId: string | null;
}

/**
 * Called for each follow-up an answer opens, once the answer's statement (which opened it) has
 * committed: tells the workspace's open Follow-ups pages and badges.
 *
 * The webhook event csat.followup.opened commits with the answer: answerSurvey (db/surveys.ts)
 * writes it over its `follow_up` CTE, as it writes csat.response.created over `answered`.
 */
export function onFollowUpOpened(app: App, _db: Queryable, followUp: OpenedFollowUp): void {
  publishFollowUpChange(app, followUp.workspaceId, { followUpId: followUp.id, surveyId: followUp.surveyId });
}

function publishFollowUpChange(app: App, workspaceId: string, change: CsatFollowUpChanged): void {
  app.pubsub.publish("csat:followups", workspaceId, change);
}

const ownerSchema = z
  .string()
  .refine(isId, "ownerId must be a teammate's id")
  .transform((v) => v.toLowerCase())
  .nullish();

const inputSchema = z.object({
  status: z.enum(CsatFollowUpStatus).nullish(),
  ownerId: ownerSchema,
  note: z
    .string()
    .trim()
    .refine((s) => [...s].length <= MAX_FOLLOW_UP_NOTE, `note must be at most ${MAX_FOLLOW_UP_NOTE} characters`)
    .refine(storableText, "note must not contain NUL characters or unpaired surrogates")
    .nullish(),
});

export interface CsatFollowUpInput {
  status?: CsatFollowUpStatus | null | undefined;
  /** An active teammate of the workspace; null leaves it with no owner; absent keeps the owner. */
  ownerId?: string | null | undefined;
  /** Up to 2,000 characters; "" or null clears it; absent keeps it. */
  note?: string | null | undefined;
}

/**
 * Changes a follow-up's status (OPEN, CONTACTED, DONE, in any order), owner (an active teammate of
 * the workspace) and note, and records the change (who, when, the values before and after) in the
 * same transaction. Any member may. Returns the follow-up's id; a change that changes nothing
 * records nothing.
 */
export async function updateCsatFollowUp(app: App, actor: Actor | null, id: string, input: CsatFollowUpInput): Promise<string> {
  const member = requireMember(actor);
  const parsed = parseInput(inputSchema, input);
  if (!isId(id)) throw notFound("follow-up");
  const followUpId = id.toLowerCase();
  const changed = await app.sql.transaction(async (tx) => {
    const current = await lockFollowUp(tx, member.workspaceId, followUpId);
    if (!current) throw notFound("follow-up");
    const next: FollowUpValues = { ...current };
    if (parsed.status) next.status = parsed.status;
    if ("ownerId" in input && parsed.ownerId !== undefined) next.ownerId = parsed.ownerId;
    if ("note" in input && parsed.note !== undefined) next.note = parsed.note || null;
    if (next.ownerId !== current.ownerId && next.ownerId !== null && !(await isActiveTeammate(tx, member.workspaceId, next.ownerId))) {
      throw badInput("ownerId must be an active teammate of this workspace");
    }
    const keys = (["status", "ownerId", "note"] as const).filter((k) => next[k] !== current[k]);
    if (keys.length === 0) return false;
    const pick = (v: FollowUpValues) => Object.fromEntries(keys.map((k) => [k, v[k]])) as Partial<FollowUpValues>;
    await changeFollowUp(tx, { id: followUpId, values: next, before: pick(current), after: pick(next), ...auditedBy(member), at: app.clock.now() });
    return true;
  });
  if (changed) publishFollowUpChange(app, member.workspaceId, { followUpId });
  return followUpId;
}

/** Prisma's include/select for follow-ups, as GraphQL selections plan it. */
export type FollowUpQuery = Pick<Prisma.CsatFollowUpFindManyArgs, "include" | "select">;

/** One follow-up of the actor's workspace, loaded with `query`; NOT_FOUND otherwise. */
export async function getCsatFollowUp<Q extends FollowUpQuery>(app: App, actor: Actor | null, id: string, query: Q): Promise<Prisma.CsatFollowUpGetPayload<Q>> {
  const member = requireMember(actor);
  const found = isId(id) ? await app.prisma.csatFollowUp.findFirst({ ...query, where: { id: id.toLowerCase(), workspaceId: member.workspaceId } }) : null;
  if (!found) throw notFound("follow-up");
  return found as never;
}

export interface FollowUpPage extends Page {
  filter: FollowUpFilter;
}

/** The workspace's follow-ups, newest first, by status and owner ("none": no owner). */
export async function listCsatFollowUps(
  app: App,
  actor: Actor | null,
  args: { status?: CsatFollowUpStatus | null | undefined; ownerId?: string | null | undefined; first?: number | null | undefined; after?: string | null | undefined },
): Promise<FollowUpPage> {
  const member = requireMember(actor);
  const filter: FollowUpFilter = {};
  if (args.status) filter.status = args.status;
  if (args.ownerId === "none") filter.ownerId = null;
  else if (args.ownerId) {
    if (!isId(args.ownerId)) throw badInput('ownerId must be a teammate\'s id or "none"');
    filter.ownerId = args.ownerId.toLowerCase();
  }
  const limit = pageSize(args.first, 50);
  const after = decodeCursor(args.after);
  const rows = await findFollowUps(app.sql, member.workspaceId, filter, after && { createdAt: after.at, id: after.id }, limit + 1);
  return { workspaceId: member.workspaceId, filter, ...pageOf(rows, limit, (r) => r.createdAt) };
}

export function countCsatFollowUps(app: App, page: FollowUpPage): Promise<number> {
  return countFollowUps(app.sql, page.workspaceId, page.filter);
}

/** A teammate's (or API key's) feed of its workspace's follow-up changes and openings. */
export function watchCsatFollowUps(app: App, actor: Actor | null): AsyncIterable<CsatFollowUpChanged> {
  const member = requireFollowUpWatch(actor);
  return app.pubsub.subscribe("csat:followups", member.workspaceId);
}

/** The page's follow-ups, loaded with `query` in one go (an empty page reads nothing). */
export async function loadCsatFollowUps<Q extends FollowUpQuery>(app: App, page: Page, query: Q): Promise<Prisma.CsatFollowUpGetPayload<Q>[]> {
  if (page.edges.length === 0) return [];
  return app.prisma.csatFollowUp.findMany({ ...query, where: { workspaceId: page.workspaceId, id: { in: page.edges.map((e) => e.id) } } }) as never;
}
