import { builder } from "../builder.js";
import * as enums from "../generated/prisma/enums.js";
import { assignConversation, setConversationLabels } from "../services/assignment.js";
import { getConversation } from "../services/conversations.js";
import type { CsatSkipCount as SkipCount } from "../services/reports/skipped.js";
import { skipsOf } from "../services/reports/report.js";
import { createTeammate, deactivateTeammate, listTeammates } from "../services/teammates.js";
import { Conversation } from "./conversations.js";
import { CsatBreakdownRow, CsatReport } from "./reports.js";
import { Role } from "./scalars.js";
import { Teammate } from "./workspaces.js";

const CsatSkipReason = builder.enumType(enums.CsatSkipReason, {
  name: "CsatSkipReason",
  description: "Why a conversation's first resolve made no survey.",
});

builder.prismaObjectField("Teammate", "active", (t) =>
  t.exposeBoolean("active", { description: "False once deactivated: cannot sign in; keeps their history and credit." }),
);

builder.prismaObjectFields("Conversation", (t) => ({
  assignee: t.relation("assignee", { nullable: true }),
  labels: t.exposeStringList("labels"),
  csatSkipReason: t.expose("csatSkipReason", {
    type: CsatSkipReason,
    nullable: true,
    description: "Why its first resolve made no survey; null when it made one (or before its first resolve).",
  }),
}));

builder.prismaObjectField("CsatSurvey", "teammate", (t) =>
  t.relation("teammate", { nullable: true, description: "The teammate credited, fixed at dispatch: the assignee then, else who resolved it." }),
);

const CsatSkipCount = builder.objectRef<SkipCount>("CsatSkipCount").implement({
  fields: (t) => ({
    reason: t.expose("reason", { type: CsatSkipReason }),
    count: t.exposeInt("count"),
  }),
});

builder.objectFields(CsatReport, (t) => ({
  byTeammate: t.expose("byTeammate", {
    type: [CsatBreakdownRow],
    description: "By the teammate credited at dispatch; null id / \"— Unattributed —\" for surveys credited to no one.",
  }),
  skipped: t.field({
    type: [CsatSkipCount],
    description: "Resolves in the window (by first resolve) that made no survey, by reason.",
    resolve: (report, _args, ctx) => skipsOf(ctx.app, report),
  }),
}));

const CreateTeammateInput = builder.inputType("CreateTeammateInput", {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    role: t.field({ type: Role, required: true }),
    password: t.string({ required: true }),
  }),
});

builder.queryField("teammates", (t) =>
  t.prismaField({
    type: [Teammate],
    description: "The workspace's teammates, active first.",
    authScopes: { member: true },
    resolve: (query, _root, _args, ctx) => listTeammates(ctx.app, ctx.actor, query),
  }),
);

builder.mutationFields((t) => ({
  createTeammate: t.prismaField({
    type: Teammate,
    args: { input: t.arg({ type: CreateTeammateInput, required: true }) },
    authScopes: { admin: true },
    resolve: async (query, _root, { input }, ctx) => {
      const created = await createTeammate(ctx.app, ctx.actor, input);
      return ctx.app.prisma.teammate.findUniqueOrThrow({ ...query, where: { id: created.id } });
    },
  }),
  deactivateTeammate: t.prismaField({
    type: Teammate,
    description: "Ends their sessions and sockets at once; they cannot sign in. An admin cannot deactivate themselves or the last active admin.",
    args: { id: t.arg.id({ required: true }) },
    authScopes: { admin: true },
    resolve: async (query, _root, args, ctx) => {
      const teammate = await deactivateTeammate(ctx.app, ctx.actor, args.id);
      return ctx.app.prisma.teammate.findUniqueOrThrow({ ...query, where: { id: teammate.id } });
    },
  }),
  assignConversation: t.prismaField({
    type: Conversation,
    description: "Assigns the conversation to an active teammate; null unassigns.",
    args: { id: t.arg.id({ required: true }), teammateId: t.arg.id() },
    authScopes: { member: true },
    resolve: async (query, _root, args, ctx) => {
      await assignConversation(ctx.app, ctx.actor, args.id, args.teammateId ?? null);
      return getConversation(ctx.app, ctx.actor, args.id, query);
    },
  }),
  setConversationLabels: t.prismaField({
    type: Conversation,
    description: "Replaces the conversation's labels: lower-cased, each once, at most 20.",
    args: { id: t.arg.id({ required: true }), labels: t.arg.stringList({ required: true }) },
    authScopes: { member: true },
    resolve: async (query, _root, args, ctx) => {
      await setConversationLabels(ctx.app, ctx.actor, args.id, args.labels);
      return getConversation(ctx.app, ctx.actor, args.id, query);
    },
  }),
}));
