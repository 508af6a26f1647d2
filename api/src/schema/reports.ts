import { builder } from "../builder.js";
import {
  csatReport,
  recentComments,
  type CsatBreakdownRow as Row,
  type CsatFigures as Figures,
  type CsatReport as Report,
} from "../services/reports.js";
import { Bot } from "./bots.js";
import { Channel } from "./channels.js";
import { CsatRange } from "./scalars.js";

const CsatFigures = builder.objectRef<Figures>("CsatFigures").implement({
  fields: (t) => ({
    averageRating: t.exposeFloat("averageRating", { nullable: true }),
    responseRate: t.exposeFloat("responseRate", { nullable: true }),
    sent: t.exposeInt("sent"),
    submitted: t.exposeInt("submitted"),
  }),
});

const CsatBreakdownRow = builder.objectRef<Row>("CsatBreakdownRow").implement({
  fields: (t) => ({
    id: t.exposeID("id", { nullable: true }),
    label: t.exposeString("label"),
    figures: t.expose("figures", { type: CsatFigures }),
  }),
});

const CsatComment = builder.prismaObject("CsatSurvey", {
  variant: "CsatComment",
  fields: (t) => ({
    score: t.int({ resolve: (s) => s.score ?? 0 }),
    comment: t.string({ resolve: (s) => s.comment ?? "" }),
    answeredAt: t.field({ type: "DateTime", resolve: (s) => s.answeredAt ?? s.createdAt }),
    bot: t.relation("bot", { nullable: true, type: Bot }),
    channel: t.relation("channel", { nullable: true, type: Channel }),
  }),
});

const CsatReport = builder.objectRef<Report>("CsatReport").implement({
  fields: (t) => ({
    range: t.expose("range", { type: CsatRange }),
    totals: t.expose("totals", { type: CsatFigures }),
    byBot: t.expose("byBot", { type: [CsatBreakdownRow] }),
    byChannel: t.expose("byChannel", { type: [CsatBreakdownRow] }),
    recentComments: t.field({
      type: [CsatComment],
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: (report, args, ctx) => recentComments(ctx.app, report, args.first),
    }),
  }),
});

builder.queryField("csatReport", (t) =>
  t.field({
    type: CsatReport,
    authScopes: { member: true },
    args: { range: t.arg({ type: CsatRange, required: true }) },
    resolve: (_root, args, ctx) => csatReport(ctx.app, ctx.actor, args.range),
  }),
);
