import { builder } from "../builder.js";
import { takeAllowance } from "../http/graphqlGuards.js";
import {
  createConversation,
  getConversation,
  listConversations,
  MESSAGE_PAGE,
  messagePage,
  reopenConversation,
  resolveConversation,
  sendMessage,
  startWidgetConversation,
  watchConversation,
  watchWorkspaceConversations,
} from "../services/conversations.js";
import type { VisitorEvent } from "../pubsub.js";
import { CsatPrompt } from "./csat.js";
import { ConversationStatus } from "./scalars.js";

/** True when a selection's Prisma query needs only the conversation's columns and its survey's. */
function carriedByResolve(query: { include?: Record<string, unknown>; select?: unknown }): boolean {
  if (query.select !== undefined) return false;
  return Object.entries(query.include ?? {}).every(([relation, nested]) => relation === "csatSurvey" && nested === true);
}

export const Customer = builder.prismaObject("Customer", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    email: t.exposeString("email", { nullable: true }),
  }),
});

export const Message = builder.prismaObject("Message", {
  fields: (t) => ({
    id: t.exposeID("id"),
    body: t.exposeString("body"),
    fromCustomer: t.exposeBoolean("fromCustomer"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    author: t.relation("author", {
      nullable: true,
      description: "The teammate who wrote it; null for the customer's messages, API keys' and erased teammates', and for visitors.",
      authScopes: { member: true },
      unauthorizedResolver: () => null,
    }),
  }),
});

const ConversationChangeKind = builder.enumType("ConversationChangeKind", {
  values: {
    CREATED: { description: "A teammate or a customer started it." },
    MESSAGE: { description: "A message was added." },
    RESOLVED: { description: "It was resolved." },
    REOPENED: { description: "It was reopened." },
    ANSWERED: { description: "Its survey was answered." },
    ASSIGNED: { description: "It was assigned or unassigned." },
    LABELED: { description: "Its labels changed." },
    CSAT_REQUESTED: { description: "Its survey asks the customer now (csatPrompt); only on the conversation's own widget's feed." },
  } as const,
});

const ConversationChange = builder.objectRef<VisitorEvent>("ConversationChange").implement({
  description: "A conversation of the workspace changed: it was started, got a message, or was resolved or reopened.",
  fields: (t) => ({
    conversationId: t.exposeID("conversationId"),
    change: t.expose("change", { type: ConversationChangeKind }),
    at: t.expose("at", { type: "DateTime" }),
    csatPrompt: t.field({
      type: CsatPrompt,
      nullable: true,
      description: "With CSAT_REQUESTED: the survey's prompt, as csatRequested gives it (the widget's own feed only).",
      resolve: (event) => (event.change === "CSAT_REQUESTED" ? event.csatPrompt : null),
    }),
  }),
});

builder.subscriptionField("conversationChanged", (t) =>
  t.field({
    type: ConversationChange,
    description: "Every change to a conversation of the caller's workspace, once committed: for open inboxes.",
    authScopes: { member: true },
    subscribe: (_root, _args, ctx) => watchWorkspaceConversations(ctx.app, ctx.actor),
    resolve: (change) => change,
  }),
);

builder.subscriptionField("conversationUpdated", (t) =>
  t.field({
    type: ConversationChange,
    description: "Every change to one conversation, once committed: for its own chat widget (visitor token) or a teammate.",
    args: { conversationId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ $any: { member: true, visitorOf: String(args.conversationId) } }),
    subscribe: (_root, args, ctx) => watchConversation(ctx.app, ctx.actor, String(args.conversationId)),
    resolve: (change) => change,
  }),
);

export const Conversation = builder.prismaObject("Conversation", {
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.expose("status", { type: ConversationStatus }),
    channel: t.relation("channel", { nullable: true }),
    bot: t.relation("bot", { nullable: true }),
    customer: t.relation("customer"),
    messages: t.relation("messages", {
      description: "The newest `first` messages (100 at most) before the message `before`, oldest first.",
      args: {
        first: t.arg.int({ defaultValue: MESSAGE_PAGE, description: "How many, 100 at most." }),
        before: t.arg.id({ description: "A message's id: only messages older than it (the page before)." }),
      },
      query: (args) => messagePage({ first: args.first, before: args.before == null ? null : String(args.before) }),
    }),
    lastMessage: t.field({
      type: Message,
      nullable: true,
      description: "The newest message, loaded with the conversation (for lists, instead of every message).",
      select: { messages: { take: 1, orderBy: [{ createdAt: "desc" }, { id: "desc" }] } },
      resolve: (conversation) => conversation.messages[0] ?? null,
    }),
    resolvedAt: t.expose("resolvedAt", { type: "DateTime", nullable: true }),
    csatSurvey: t.relation("csatSurvey", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const CustomerInput = builder.inputType("CustomerInput", {
  fields: (t) => ({ name: t.string({ required: true }), email: t.string(), locale: t.string({ description: "BCP 47 (es, pt-BR); the widget sends the browser's language." }) }),
});

const CreateConversationInput = builder.inputType("CreateConversationInput", {
  fields: (t) => ({
    channelId: t.id({ required: true }),
    botId: t.id(),
    customer: t.field({ type: CustomerInput, required: true }),
    firstMessage: t.string(),
  }),
});

const StartWidgetConversationInput = builder.inputType("StartWidgetConversationInput", {
  fields: (t) => ({
    channelId: t.id({ required: true }),
    customer: t.field({ type: CustomerInput, required: true }),
    firstMessage: t.string(),
  }),
});

const WidgetSession = builder
  .objectRef<Awaited<ReturnType<typeof startWidgetConversation>>>("WidgetSession")
  .implement({
    fields: (t) => ({
      conversation: t.expose("conversation", { type: Conversation }),
      visitorToken: t.exposeString("visitorToken"),
    }),
  });

builder.queryFields((t) => ({
  conversation: t.prismaField({
    type: Conversation,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ $any: { member: true, visitorOf: args.id } }),
    resolve: (query, _root, args, ctx) => getConversation(ctx.app, ctx.actor, args.id, query),
  }),
  conversations: t.prismaField({
    type: [Conversation],
    args: { status: t.arg({ type: ConversationStatus }), first: t.arg.int({ defaultValue: 50 }) },
    authScopes: { member: true },
    resolve: (query, _root, args, ctx) => listConversations(ctx.app, ctx.actor, args, query),
  }),
}));

builder.mutationFields((t) => ({
  createConversation: t.prismaField({
    type: Conversation,
    args: { input: t.arg({ type: CreateConversationInput, required: true }) },
    authScopes: { member: true },
    resolve: async (query, _root, { input }, ctx) => {
      const created = await createConversation(ctx.app, ctx.actor, input);
      return getConversation(ctx.app, ctx.actor, created.id, query);
    },
  }),
  startWidgetConversation: t.field({
    type: WidgetSession,
    args: { input: t.arg({ type: StartWidgetConversationInput, required: true }) },
    authScopes: { public: true },
    resolve: async (_root, { input }, ctx) => {
      await takeAllowance(ctx, "widget", ctx.ip ?? "unknown");
      return startWidgetConversation(ctx.app, input);
    },
  }),
  sendMessage: t.prismaField({
    type: Message,
    args: { conversationId: t.arg.id({ required: true }), body: t.arg.string({ required: true }) },
    authScopes: (_root, args) => ({ $any: { member: true, visitorOf: args.conversationId } }),
    resolve: async (query, _root, args, ctx) => {
      if (ctx.actor?.kind === "visitor") {
        await takeAllowance(ctx, "widget", ctx.ip ?? "unknown");
        await takeAllowance(ctx, "visitorMessages", ctx.actor.conversationId);
      }
      return sendMessage(ctx.app, ctx.actor, args.conversationId, args.body, query);
    },
  }),
  resolveConversation: t.prismaField({
    type: Conversation,
    args: {
      id: t.arg.id({ required: true }),
      skipCsat: t.arg.boolean({ defaultValue: false, description: "Resolve without a survey." }),
    },
    authScopes: { member: true },
    resolve: async (query, _root, args, ctx) => {
      const r = await resolveConversation(ctx.app, ctx.actor, args.id, { via: "INBOX", skipCsat: args.skipCsat });
      // A first resolve hands back the row and its survey as written: when the selection asks for
      // nothing more (the inbox's and the API's usual one), they are the answer, with no read back.
      return r.resolved && carriedByResolve(query) ? r.resolved : getConversation(ctx.app, ctx.actor, args.id, query);
    },
  }),
  reopenConversation: t.prismaField({
    type: Conversation,
    args: { id: t.arg.id({ required: true }) },
    authScopes: { member: true },
    resolve: async (query, _root, args, ctx) => {
      await reopenConversation(ctx.app, ctx.actor, args.id);
      return getConversation(ctx.app, ctx.actor, args.id, query);
    },
  }),
}));
