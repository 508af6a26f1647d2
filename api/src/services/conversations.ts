import { z } from "zod";
import type { ConversationStatus, ResolvedVia } from "../generated/prisma/enums.js";
import { publishConversationChange, type ConversationChanged, type ConversationChangeKind } from "../pubsub.js";
import type { Conversation, CsatSurvey, Prisma } from "../generated/prisma/client.js";
import { TokenPrefix, isId, newSecret, sha256 } from "../tokens.js";
import { badInput, notFound } from "../errors.js";
import { faultPoint } from "../faults.js";
import type { Actor, Member } from "./actors.js";
import { isMember, requireConversationReader, requireMember, requireWatch } from "./actors.js";
import type { App, Tx } from "../deps.js";
import { mergeIterators } from "../iterators.js";
import { createSurveyOnFirstResolve, holdSurvey, publishPrompt, resumeSurvey, watchCsatRequests, type SurveyEffect } from "./csat.js";
import { columnsAs, type Queryable } from "../db/client.js";
import { emailSchema, messageBodySchema, nameSchema, pageSize, parseInput } from "./validation.js";

/** Prisma's include/select for a conversation, as GraphQL selections plan it. */
export type ConversationQuery = Pick<Prisma.ConversationFindUniqueArgs, "include" | "select">;

const customerInput = z.object({ name: nameSchema("customer.name"), email: emailSchema.nullish() });
const createInput = z.object({
  channelId: z.string(),
  botId: z.string().nullish(),
  customer: customerInput,
  firstMessage: messageBodySchema.nullish(),
});
const widgetInput = z.object({ channelId: z.string(), customer: customerInput, firstMessage: messageBodySchema.nullish() });

/** The conversation if the actor may see it: its workspace's members, or its own visitor. */
export async function getConversation(app: App, actor: Actor | null, id: string, query: ConversationQuery = {}) {
  const reader = requireConversationReader(actor, id);
  const conversation = isId(id)
    ? await app.prisma.conversation.findFirst({ ...query, where: { id, workspaceId: reader.workspaceId } })
    : null;
  if (!conversation) throw notFound("conversation");
  return conversation;
}

/** Messages a conversation shows at once: its newest 100 unless asked for fewer. */
export const MESSAGE_PAGE = 100;

/**
 * Which of a conversation's messages `Conversation.messages` holds: the newest `first` (at most
 * 100) of those older than the message `before`, oldest first, as a chat shows them. Paging back
 * is asking again with `before` set to the first message of the page in hand.
 */
export function messagePage(args: { first?: number | null | undefined; before?: string | null | undefined }) {
  const take = pageSize(args.first, MESSAGE_PAGE);
  if (args.before != null && !isId(args.before)) throw badInput("before must be the id of a message");
  return {
    orderBy: [{ createdAt: "asc" as const }, { id: "asc" as const }],
    // A negative take counts back from the end (or from the cursor) and keeps the order.
    take: -take,
    ...(args.before != null ? { cursor: { id: args.before }, skip: 1 } : {}),
  };
}

export async function listConversations(
  app: App,
  actor: Actor | null,
  args: { status?: ConversationStatus | null | undefined; first?: number | null | undefined },
  query: ConversationQuery = {},
) {
  const member = requireMember(actor);
  return app.prisma.conversation.findMany({
    ...query,
    where: { workspaceId: member.workspaceId, ...(args.status ? { status: args.status } : {}) },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: pageSize(args.first, 50),
  });
}

async function findChannel(tx: Tx, workspaceId: string, channelId: string) {
  const channel = isId(channelId) ? await tx.channel.findFirst({ where: { id: channelId, workspaceId } }) : null;
  if (!channel) throw notFound("channel");
  return channel;
}

async function openConversation(
  tx: Tx,
  workspaceId: string,
  data: { channelId: string; botId: string | null; customer: { name: string; email?: string | null | undefined }; firstMessage?: string | null | undefined; visitorTokenHash?: string },
) {
  const customer = await tx.customer.create({
    data: { workspaceId, name: data.customer.name, email: data.customer.email ?? null },
  });
  return tx.conversation.create({
    data: {
      workspaceId,
      channelId: data.channelId,
      botId: data.botId,
      customerId: customer.id,
      visitorTokenHash: data.visitorTokenHash ?? null,
      ...(data.firstMessage ? { messages: { create: { workspaceId, body: data.firstMessage, fromCustomer: true } } } : {}),
    },
  });
}

export async function createConversation(app: App, actor: Actor | null, input: z.input<typeof createInput>) {
  const member = requireMember(actor);
  const data = parseInput(createInput, input);
  return app.prisma.$transaction(async (tx) => {
    const channel = await findChannel(tx, member.workspaceId, data.channelId);
    let botId: string | null = null;
    if (data.botId !== null && data.botId !== undefined) {
      const bot = isId(data.botId) ? await tx.bot.findFirst({ where: { id: data.botId, workspaceId: member.workspaceId } }) : null;
      if (!bot) throw notFound("bot");
      botId = bot.id;
    }
    return openConversation(tx, member.workspaceId, { ...data, channelId: channel.id, botId });
  }).then((conversation) => {
    publishChange(app, conversation.workspaceId, conversation.id, "CREATED", conversation.createdAt);
    return conversation;
  });
}

/** Tells the workspace's open inboxes and the conversation's widget, once the change is committed. */
function publishChange(app: App, workspaceId: string, conversationId: string, change: ConversationChangeKind, at: Date): void {
  publishConversationChange(app.pubsub, workspaceId, { conversationId, change, at });
}

/**
 * The changes to one conversation as they are committed: for its own widget (the visitor) or a
 * member of its workspace; anyone else is refused before anything is subscribed. The widget's feed
 * also carries its survey prompt (CSAT_REQUESTED, as csatRequested would), and while it is open the
 * widget counts as open for the dispatch: so one subscription per widget is enough.
 */
export async function watchConversation(app: App, actor: Actor | null, conversationId: string): Promise<AsyncIterable<ConversationChanged>> {
  const id = await requireWatch(app, actor, conversationId);
  const changes = app.pubsub.subscribe("conversation:updated", id)[Symbol.asyncIterator]();
  if (actor?.kind !== "visitor") return changes;
  const prompts = watchCsatRequests(app, actor, id);
  // Mapped by hand, not with an async generator: ending the subscription must reach the prompts'
  // return() at once (it closes the widget's presence), not wait for a prompt that may never come.
  const asChanges: AsyncIterableIterator<ConversationChanged> = {
    [Symbol.asyncIterator]: () => asChanges,
    next: async () => {
      const next = await prompts.next();
      if (next.done) return { done: true, value: undefined };
      const csatPrompt = next.value;
      return { done: false, value: { conversationId: csatPrompt.conversationId, change: "CSAT_REQUESTED", at: app.clock.now(), csatPrompt } };
    },
    return: async () => {
      await prompts.return?.();
      return { done: true, value: undefined };
    },
  };
  return mergeIterators([changes, asChanges]);
}

/** The changes to the conversations of the actor's workspace, as they are committed. */
export function watchConversationChanges(app: App, actor: Actor | null): AsyncIterable<ConversationChanged> {
  const member = requireMember(actor);
  return app.pubsub.subscribe("conversation:changed", member.workspaceId);
}

/** A customer opens the widget: a conversation on that web-widget channel and a visitor token for it alone. */
export async function startWidgetConversation(app: App, input: z.input<typeof widgetInput>) {
  const data = parseInput(widgetInput, input);
  const visitorToken = newSecret(TokenPrefix.Visitor);
  const conversation = await app.prisma.$transaction(async (tx) => {
    const channel = isId(data.channelId) ? await tx.channel.findUnique({ where: { id: data.channelId } }) : null;
    // Only a web-widget channel takes visitors: any other id is as unknown as a made-up one.
    if (channel?.kind !== "WEB_WIDGET") throw notFound("channel");
    return openConversation(tx, channel.workspaceId, {
      ...data,
      channelId: channel.id,
      botId: null,
      visitorTokenHash: sha256(visitorToken),
    });
  });
  publishChange(app, conversation.workspaceId, conversation.id, "CREATED", conversation.createdAt);
  return { conversation, visitorToken };
}

/** A teammate (or API key) replies, or the conversation's own visitor writes. */
export async function sendMessage(app: App, actor: Actor | null, conversationId: string, body: string) {
  const text = parseInput(messageBodySchema, body);
  const conversation = await getConversation(app, actor, conversationId, { select: { id: true, workspaceId: true } });
  const fromCustomer = !isMember(actor);
  const now = app.clock.now();
  const [message] = await app.prisma.$transaction([
    app.prisma.message.create({
      data: {
        workspaceId: conversation.workspaceId,
        conversationId: conversation.id,
        body: text,
        fromCustomer,
        authorId: actor?.kind === "teammate" ? actor.teammateId : null,
        createdAt: now,
      },
    }),
    app.prisma.conversation.update({ where: { id: conversation.id }, data: { updatedAt: now } }),
  ]);
  publishChange(app, conversation.workspaceId, conversation.id, "MESSAGE", now);
  return message;
}

interface LockedConversation {
  id: string;
  workspace_id: string;
  bot_id: string | null;
  channel_id: string | null;
  status: ConversationStatus;
  first_resolved_at: Date | null;
  /** Read in the same statement for the survey a resolve may create; null when never set. */
  csat_enabled: boolean | null;
  csat_delay_minutes: number | null;
  workspace_name: string;
  customer_email: string | null;
}

/** Locks the conversation row (only that row) and reads what a resolve needs, in one statement. */
async function lockConversation(tx: Queryable, member: Member, id: string): Promise<LockedConversation> {
  const rows = isId(id)
    ? await tx.query<LockedConversation>(
        `SELECT c.id, c.workspace_id, c.bot_id, c.channel_id, c.status::text AS status, c.first_resolved_at,
                s.enabled AS csat_enabled, s.delay_minutes AS csat_delay_minutes, w.name AS workspace_name, cu.email AS customer_email
         FROM conversation c
         JOIN workspace w ON w.id = c.workspace_id
         JOIN customer cu ON cu.id = c.customer_id
         LEFT JOIN csat_settings s ON s.workspace_id = c.workspace_id
         WHERE c.id = $1::uuid AND c.workspace_id = $2::uuid
         FOR UPDATE OF c`,
        [id, member.workspaceId],
      )
    : [];
  if (!rows[0]) throw notFound("conversation");
  return rows[0];
}

/** conversation's columns under Prisma's field names; the type fails to compile if a field is missing. */
const CONVERSATION_FIELDS: Record<keyof Conversation, string> = {
  id: "id",
  workspaceId: "workspace_id",
  channelId: "channel_id",
  botId: "bot_id",
  customerId: "customer_id",
  status: "status::text",
  visitorTokenHash: "visitor_token_hash",
  createdAt: "created_at",
  updatedAt: "updated_at",
  resolvedAt: "resolved_at",
  firstResolvedAt: "first_resolved_at",
};
const CONVERSATION_COLUMNS = columnsAs(CONVERSATION_FIELDS);

export interface ResolveResult {
  conversationId: string;
  /** False when it was resolved already: resolving is idempotent. */
  changed: boolean;
  surveyCreated: boolean;
  /**
   * The conversation as the first resolve left it, with its survey (null when none was made), so
   * the caller need not read them back; absent otherwise.
   */
  resolved?: Conversation & { csatSurvey: CsatSurvey | null };
}

/**
 * The one resolve path of the inbox, the REST API and MCP. The conversation row is locked, so of
 * racing resolves one makes the OPEN→RESOLVED transition and the rest are no-ops. It runs on the
 * driver directly (app.sql): BEGIN, the lock, the update, the survey with its email, COMMIT.
 */
export async function resolveConversation(
  app: App,
  actor: Actor | null,
  id: string,
  options: { via: ResolvedVia; skipCsat?: boolean | null | undefined },
): Promise<ResolveResult> {
  const member = requireMember(actor);
  const now = app.clock.now();
  const { changed, effect, conversation } = await app.sql.transaction(async (tx) => {
    const row = await lockConversation(tx, member, id);
    if (row.status === "RESOLVED") return { changed: false, effect: { surveyCreated: false, prompt: null } as SurveyEffect, conversation: null };
    const [conversation] = await tx.query<Conversation>(
      `UPDATE conversation SET status = 'RESOLVED', resolved_at = $2, updated_at = $2, first_resolved_at = coalesce(first_resolved_at, $2)
       WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
      [row.id, now],
    );
    const key = { id: row.id, workspaceId: row.workspace_id, botId: row.bot_id, channelId: row.channel_id };
    if (row.first_resolved_at !== null) return { changed: true, effect: await resumeSurvey(tx, app, key, now), conversation: null };
    const known = {
      settings: row.csat_enabled === null ? null : { enabled: row.csat_enabled, delayMinutes: row.csat_delay_minutes ?? 0 },
      workspaceName: row.workspace_name,
      customerEmail: row.customer_email,
    };
    const effect = options.skipCsat ? { surveyCreated: false, prompt: null } : await createSurveyOnFirstResolve(tx, app, key, known, options.via, now);
    return { changed: true, effect, conversation: conversation! };
  });
  if (effect.surveyCreated) faultPoint("dispatch:after-commit");
  publishPrompt(app, effect.prompt);
  if (changed) publishChange(app, member.workspaceId, id, "RESOLVED", now);
  return {
    conversationId: id,
    changed,
    surveyCreated: effect.surveyCreated,
    ...(conversation ? { resolved: { ...conversation, csatSurvey: effect.survey ?? null } } : {}),
  };
}

export async function reopenConversation(app: App, actor: Actor | null, id: string): Promise<{ conversationId: string; changed: boolean }> {
  const member = requireMember(actor);
  const now = app.clock.now();
  const changed = await app.sql.transaction(async (tx) => {
    const row = await lockConversation(tx, member, id);
    if (row.status === "OPEN") return false;
    await tx.query("UPDATE conversation SET status = 'OPEN', resolved_at = NULL, updated_at = $2 WHERE id = $1", [row.id, now]);
    await holdSurvey(tx, row.id);
    return true;
  });
  if (changed) publishChange(app, member.workspaceId, id, "REOPENED", now);
  return { conversationId: id, changed };
}
