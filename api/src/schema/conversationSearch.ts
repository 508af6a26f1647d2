import { queryFromInfo } from "@pothos/plugin-prisma";
import { builder } from "../builder.js";
import { countMatching, loadPageConversations, searchConversations, type ConversationPage } from "../services/conversationSearch.js";
import { Conversation } from "./conversations.js";
import { PageInfo } from "./paging.js";
import { ConversationStatus, CsatSurveyState } from "./scalars.js";

const ConversationFilter = builder.inputType("ConversationFilter", {
  fields: (t) => ({
    status: t.field({ type: ConversationStatus }),
    channelId: t.id({ description: 'A channel\'s id, or "none": conversations whose channel was deleted.' }),
    botId: t.id({ description: 'A bot\'s id, or "none": conversations without a bot.' }),
    assigneeId: t.id({ description: 'A teammate\'s id, or "none": unassigned conversations.' }),
    label: t.string(),
    surveyState: t.field({ type: CsatSurveyState }),
    search: t.string({ description: "Words in the customer's name or email or any message (each as a word's start; all of them)." }),
  }),
});

type Edge = Awaited<ReturnType<typeof loadPageConversations>>[number];

const ConversationEdge = builder.objectRef<Edge>("ConversationEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: Conversation, resolve: (edge) => edge.node }),
  }),
});

const ConversationConnection = builder.objectRef<ConversationPage>("ConversationConnection").implement({
  fields: (t) => ({
    edges: t.field({
      type: [ConversationEdge],
      resolve: (page, _args, ctx, info) =>
        loadPageConversations(ctx.app, page, queryFromInfo({ context: ctx, info, typeName: "Conversation", path: ["node"] })),
    }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page.pageInfo }),
    totalCount: t.int({ description: "How many conversations match the filter now.", resolve: (page, _args, ctx) => countMatching(ctx.app, page) }),
  }),
});

builder.queryField("searchConversations", (t) =>
  t.field({
    type: ConversationConnection,
    description:
      "The workspace's conversations, most recently updated first, filtered; paged with `after` against the order as it stood on the first page (none twice, none skipped).",
    authScopes: { member: true },
    args: {
      filter: t.arg({ type: ConversationFilter }),
      first: t.arg.int({ defaultValue: 50, description: "How many, 100 at most." }),
      after: t.arg.string({ description: "The endCursor of the page before." }),
    },
    resolve: (_root, args, ctx) => searchConversations(ctx.app, ctx.actor, args),
  }),
);
