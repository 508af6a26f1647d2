import { z } from "zod";
import type { ConversationStatus, ResolvedVia } from "../generated/prisma/enums.js";
import { publishConversationEvent, type ConversationChangeKind, type ConversationEvent, type VisitorEvent } from "../pubsub.js";
import type { Conversation, CsatSurvey, Prisma } from "../generated/prisma/client.js";
import { TokenPrefix, isId, newSecret, sha256 } from "../tokens.js";
import { badInput, notFound } from "../errors.js";
import { faultPoint } from "../faults.js";
import type { Actor } from "./actors.js";
import { isMember, requireConversationReader, requireMember, requireWatch } from "./actors.js";
import type { App, Tx } from "../deps.js";
import { createSurveyOnFirstResolve, holdSurvey, resumeSurvey, type SurveyEffect } from "./csat/dispatch.js";
import { publishPrompt } from "./csat/prompts.js";
import { decideSurvey } from "./csat/rules.js";
import type { Queryable } from "../db/client.js";
import { lockConversation as lockConversationRow, markReopened, markResolved, type LockedConversation } from "../db/conversations.js";
import { emailSchema, localeSchema, messageBodySchema, nameSchema, pageSize, parseInput } from "./validation.js";

/** Prisma's include/select for a conversation, as GraphQL selections plan it. */
export type ConversationQuery = Pick<Prisma.ConversationFindUniqueArgs, "include" | "select">;

const customerInput = z.object({ name: nameSchema("customer.name"), email: emailSchema.nullish(), locale: localeSchema.nullish() });
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
  data: { channelId: string; botId: string | null; customer: { name: string; email?: string | null | undefined; locale?: string | null | undefined }; firstMessage?: string | null | undefined; visitorTokenHash?: string },
) {
  const customer = await tx.customer.create({
    data: { workspaceId, name: data.customer.name, email: data.customer.email ?? null, locale: data.customer.locale ?? null },
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
  publishConversationEvent(app.pubsub, workspaceId, { conversationId, change, at });
}

/**
 * The changes to one conversation as they are committed: for its own widget (the visitor) or a
 * member of its workspace; anyone else is refused before anything is subscribed. The widget's feed
 * also carries its survey prompt (CSAT_REQUESTED, as csatRequested would), and while it is open the
 * widget counts as open for the dispatch: so one subscription per widget is enough.
 */
export async function watchConversation(app: App, actor: Actor | null, conversationId: string): Promise<AsyncIterable<VisitorEvent>> {
  const id = await requireWatch(app, actor, conversationId);
  // The widget's feed (changes and its survey prompt) is its own topic; teammates follow the conversation's.
  return actor?.kind === "visitor" ? app.pubsub.subscribe("visitor", id) : app.pubsub.subscribe("conversation", id);
}

/** The changes to the conversations of the actor's workspace, as they are committed. */
export function watchWorkspaceConversations(app: App, actor: Actor | null): AsyncIterable<ConversationEvent> {
  const member = requireMember(actor);
  return app.pubsub.subscribe("workspace:conversations", member.workspaceId);
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

/**
 * A teammate (or API key) replies, or the conversation's own visitor writes. A customer writing
 * to a resolved conversation reopens it (the same one, through `reopenIn`): its survey stays the
 * one survey, a dispatched card stays answerable and a pending one is held.
 */
export async function sendMessage(
  app: App,
  actor: Actor | null,
  conversationId: string,
  body: string,
  query: Pick<Prisma.MessageCreateArgs, "include" | "select"> = {},
) {
  const text = parseInput(messageBodySchema, body);
  const conversation = await getConversation(app, actor, conversationId, { select: { id: true, workspaceId: true, status: true } });
  const fromCustomer = !isMember(actor);
  // Reopened first: should the message then fail, the customer is only left with an open conversation.
  if (fromCustomer && conversation.status === "RESOLVED") await reopenIn(app, conversation.workspaceId, conversation.id);
  const now = app.clock.now();
  const [message] = await app.prisma.$transaction([
    app.prisma.message.create({
      ...query,
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

/** Locks the conversation row (only that row) and reads what a resolve needs, in one statement. */
async function lockConversation(tx: Queryable, workspaceId: string, id: string): Promise<LockedConversation> {
  const row = isId(id) ? await lockConversationRow(tx, workspaceId, id) : undefined;
  if (!row) throw notFound("conversation");
  return row;
}

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
    const row = await lockConversation(tx, member.workspaceId, id);
    if (row.status === "RESOLVED") return { changed: false, effect: { surveyCreated: false, prompt: null } as SurveyEffect, conversation: null };
    // An API key or MCP resolves as no one: with no assignee, its survey is credited to no one.
    const resolvedById = member.kind === "teammate" ? member.teammateId : null;
    const key = { id: row.id, workspaceId: row.workspaceId, botId: row.botId, channelId: row.channelId };
    if (row.firstResolvedAt !== null) {
      await markResolved(tx, row.id, now, { resolvedById });
      return { changed: true, effect: await resumeSurvey(tx, app, key, now), conversation: null };
    }
    const decision = await decideSurvey(tx, app, row, { skip: options.skipCsat === true }, now);
    const conversation = await markResolved(tx, row.id, now, { resolvedById, skipReason: decision.skipReason });
    if (decision.skipReason !== null) return { changed: true, effect: { surveyCreated: false, prompt: null } as SurveyEffect, conversation };
    const known = {
      settings: row.csatEnabled === null ? null : { enabled: row.csatEnabled, delayMinutes: row.csatDelayMinutes ?? 0 },
      workspaceName: row.workspaceName,
      customerEmail: row.customerEmail,
      creditedTo: row.assigneeId ?? resolvedById,
      widgetOpen: decision.widgetOpen,
      customerLocale: row.customerLocale,
      defaultLocale: row.defaultLocale,
      texts: row.texts,
      reasons: row.reasons,
      reasonsAtOrBelow: row.reasonsAtOrBelow,
    };
    const effect = await createSurveyOnFirstResolve(tx, app, key, known, options.via, now);
    return { changed: true, effect, conversation };
  });
  if (effect.surveyCreated) faultPoint("dispatch:after-commit");
  if (effect.dispatched) {
    app.metrics.surveyDispatched(effect.dispatched);
    app.log.debug?.(`[csat] survey dispatched at the resolve of conversation ${id}`);
  }
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
  return { conversationId: id, changed: await reopenIn(app, member.workspaceId, id) };
}

/**
 * The one reopen path (a teammate's Reopen, a customer's new message): locks the row, and if it
 * was resolved, opens it and holds a survey that was not dispatched yet. True when it changed.
 */
async function reopenIn(app: App, workspaceId: string, id: string): Promise<boolean> {
  const now = app.clock.now();
  const changed = await app.sql.transaction(async (tx) => {
    const row = await lockConversation(tx, workspaceId, id);
    if (row.status === "OPEN") return false;
    await markReopened(tx, row.id, now);
    await holdSurvey(tx, row.id);
    return true;
  });
  if (changed) publishChange(app, workspaceId, id, "REOPENED", now);
  return changed;
}
