import { queryFromInfo } from "@pothos/plugin-prisma";
import { builder } from "../builder.js";
import type { CsatFollowUp as FollowUpRow } from "../generated/prisma/client.js";
import { CsatFollowUpStatus as STATUSES } from "../generated/prisma/enums.js";
import {
  countCsatFollowUps,
  getCsatFollowUp,
  listCsatFollowUps,
  loadCsatFollowUps,
  updateCsatFollowUp,
  watchCsatFollowUps,
  type FollowUpPage,
} from "../services/csat/followUps.js";
import { loadedConnection } from "./paging.js";
import { Teammate } from "./workspaces.js";

const CsatFollowUpStatus = builder.enumType("CsatFollowUpStatus", { values: Object.values(STATUSES) });

/** A change's JSON values (before or after): only the fields it changed are present. */
const valuesOf = (json: unknown): { status?: string; ownerId?: string | null; note?: string | null } =>
  json && typeof json === "object" ? (json as never) : {};

const CsatFollowUpChange = builder.prismaObject("CsatFollowUpChange", {
  description: "One change to a follow-up: who made it, when, and what it changed.",
  fields: (t) => ({
    id: t.exposeID("id"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    actor: t.relation("actor", { nullable: true, type: Teammate }),
    actorName: t.string({
      nullable: true,
      description: "The teammate's name, or the API key's name; null if it has since been deleted.",
      select: { actor: { select: { name: true } }, apiKey: { select: { name: true } } },
      resolve: (c) => c.actor?.name ?? c.apiKey?.name ?? null,
    }),
    previousStatus: t.field({
      type: CsatFollowUpStatus,
      nullable: true,
      description: "The status before, when this change set it.",
      resolve: (c) => (valuesOf(c.before).status as STATUSES | undefined) ?? null,
    }),
    status: t.field({
      type: CsatFollowUpStatus,
      nullable: true,
      description: "The status it set; null when it left the status alone.",
      resolve: (c) => (valuesOf(c.after).status as STATUSES | undefined) ?? null,
    }),
    ownerChanged: t.boolean({ resolve: (c) => "ownerId" in valuesOf(c.after) }),
    owner: t.field({
      type: Teammate,
      nullable: true,
      description: "The owner it set (with ownerChanged); null for no owner.",
      resolve: (c, _args, ctx) => {
        const ownerId = valuesOf(c.after).ownerId;
        return ownerId ? ctx.app.prisma.teammate.findUnique({ where: { id: ownerId } }) : null;
      },
    }),
    noteChanged: t.boolean({ resolve: (c) => "note" in valuesOf(c.after) }),
    note: t.string({ nullable: true, description: "The note it set (with noteChanged).", resolve: (c) => valuesOf(c.after).note ?? null }),
  }),
});

export const CsatFollowUp = builder.prismaObject("CsatFollowUp", {
  fields: (t) => ({
    id: t.exposeID("id"),
    survey: t.relation("survey"),
    status: t.expose("status", { type: CsatFollowUpStatus }),
    owner: t.relation("owner", { nullable: true, type: Teammate, description: "Starts as the credited teammate." }),
    note: t.exposeString("note", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    changes: t.relation("changes", {
      type: CsatFollowUpChange,
      description: "Every change since it opened, oldest first.",
      query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    }),
  }),
});

const CsatFollowUpInput = builder.inputType("CsatFollowUpInput", {
  fields: (t) => ({
    status: t.field({ type: CsatFollowUpStatus }),
    ownerId: t.id({ description: "An active teammate of the workspace; null for no owner." }),
    note: t.string({ description: "Up to 2,000 characters; empty clears it." }),
  }),
});

type LoadedPage = FollowUpPage & { nodes: FollowUpRow[] };

const CsatFollowUpConnection = loadedConnection<FollowUpRow, LoadedPage>("CsatFollowUp", CsatFollowUp, (page, ctx) => countCsatFollowUps(ctx.app, page));

builder.queryField("csatFollowUps", (t) =>
  t.field({
    type: CsatFollowUpConnection,
    authScopes: { member: true },
    description: "The workspace's follow-ups, newest first.",
    args: {
      status: t.arg({ type: CsatFollowUpStatus }),
      ownerId: t.arg.id({ description: 'Only this teammate\'s, or "none" for those with no owner.' }),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: async (_root, args, ctx, info) => {
      const page = await listCsatFollowUps(ctx.app, ctx.actor, args);
      const query = queryFromInfo({ context: ctx, info, typeName: "CsatFollowUp", path: ["edges", "node"] });
      return { ...page, nodes: await loadCsatFollowUps(ctx.app, page, query) };
    },
  }),
);

builder.mutationField("updateCsatFollowUp", (t) =>
  t.prismaField({
    type: CsatFollowUp,
    authScopes: { member: true },
    description: "Sets a follow-up's status, owner or note; each change is recorded with who and when.",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: CsatFollowUpInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await updateCsatFollowUp(ctx.app, ctx.actor, args.id, args.input);
      return getCsatFollowUp(ctx.app, ctx.actor, id, query);
    },
  }),
);

builder.subscriptionField("csatFollowUpChanged", (t) =>
  t.prismaField({
    type: CsatFollowUp,
    description: "Each follow-up of the caller's workspace as it opens or changes, once committed.",
    authScopes: { member: true },
    subscribe: (_root, _args, ctx) => watchCsatFollowUps(ctx.app, ctx.actor),
    resolve: (query, change, _args, ctx) => getCsatFollowUp(ctx.app, ctx.actor, (change as { followUpId: string }).followUpId, query),
  }),
);
