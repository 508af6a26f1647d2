import { Kind, valueFromASTUntyped, type GraphQLResolveInfo, type SelectionNode } from "graphql";
import { builder } from "../builder.js";
import type { CsatAnswered as Answered } from "../pubsub.js";
import { watchCsatAnswers } from "../services/csat/answers.js";
import {
  CSAT_TREND_UNITS,
  csatReport,
  csatTrend,
  recentComments,
  type CsatTrendPoint as TrendPoint,
  type CsatBreakdownRow as Row,
  type CsatComment as Comment,
  type CsatFigures as Figures,
  type CsatPeriod as Period,
  type CsatRatingCount as RatingCount,
  type CsatReport as Report,
  type CsatReportExtras,
} from "../services/reports/report.js";
import { Bot } from "./bots.js";
import { Channel } from "./channels.js";
import { CsatAnswerVia, CsatRange } from "./scalars.js";

const CsatRatingCount = builder.objectRef<RatingCount>("CsatRatingCount").implement({
  fields: (t) => ({
    score: t.exposeInt("score"),
    count: t.exposeInt("count"),
  }),
});

const CsatFigures = builder.objectRef<Figures>("CsatFigures").implement({
  fields: (t) => ({
    averageRating: t.exposeFloat("averageRating", { nullable: true }),
    responseRate: t.exposeFloat("responseRate", { nullable: true }),
    satisfiedRate: t.exposeFloat("satisfiedRate", {
      nullable: true,
      description: "Share of the answers rated 4 or 5, 0..1; null when nothing was submitted.",
    }),
    sent: t.exposeInt("sent"),
    submitted: t.exposeInt("submitted"),
    ratingDistribution: t.expose("ratingDistribution", {
      type: [CsatRatingCount],
      description: "How many answers gave each score, from 1 to 5 (always five entries).",
    }),
  }),
});

export const CsatBreakdownRow = builder.objectRef<Row>("CsatBreakdownRow").implement({
  fields: (t) => ({
    id: t.exposeID("id", { nullable: true }),
    label: t.exposeString("label"),
    figures: t.expose("figures", { type: CsatFigures }),
  }),
});

const CsatComment = builder.objectRef<Comment>("CsatComment").implement({
  fields: (t) => ({
    conversationId: t.exposeID("conversationId", { description: "The conversation the answer is about." }),
    customerName: t.exposeString("customerName", { description: "The customer who answered (as erasure left it)." }),
    customerEmail: t.exposeString("customerEmail", { nullable: true }),
    score: t.exposeInt("score"),
    comment: t.exposeString("comment"),
    answeredAt: t.expose("answeredAt", { type: "DateTime" }),
    bot: t.expose("bot", { type: Bot, nullable: true }),
    channel: t.expose("channel", { type: Channel, nullable: true }),
  }),
});

const CsatPeriod = builder.objectRef<Period>("CsatPeriod").implement({
  description: "The figures of the window of equal length just before a report's.",
  fields: (t) => ({
    from: t.expose("from", { type: "DateTime", nullable: true }),
    to: t.expose("to", { type: "DateTime", nullable: true }),
    totals: t.expose("totals", { type: CsatFigures }),
    byBot: t.expose("byBot", { type: [CsatBreakdownRow] }),
    byChannel: t.expose("byChannel", { type: [CsatBreakdownRow] }),
  }),
});

export const CsatReport = builder.objectRef<Report>("CsatReport").implement({
  fields: (t) => ({
    range: t.expose("range", { type: CsatRange }),
    from: t.expose("from", {
      type: "DateTime",
      nullable: true,
      description: "Surveys dispatched at or after this instant count; null for ALL_TIME.",
    }),
    to: t.expose("to", {
      type: "DateTime",
      nullable: true,
      description: "Surveys dispatched before this instant count; null when the window runs up to now.",
    }),
    totals: t.expose("totals", { type: CsatFigures }),
    byBot: t.expose("byBot", { type: [CsatBreakdownRow] }),
    byChannel: t.expose("byChannel", { type: [CsatBreakdownRow] }),
    previous: t.expose("previous", {
      type: CsatPeriod,
      nullable: true,
      description: "The same figures for the window of equal length just before; null for ALL_TIME.",
    }),
    recentComments: t.field({
      type: [CsatComment],
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: (report, args, ctx) => recentComments(ctx.app, report, args.first),
    }),
  }),
});

/**
 * What the query asks of this report besides its figures: how many recent comments (the largest
 * `first` among its recentComments fields), and whether byReason and skipped, so they can be read
 * at the same time as the figures.
 */
function extrasWanted(info: GraphQLResolveInfo): CsatReportExtras {
  const wanted: CsatReportExtras = {};
  const visit = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet.selections);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) visit(info.fragments[selection.name.value]?.selectionSet.selections ?? []);
      else if (selection.name.value === "byReason") wanted.reasons = true;
      else if (selection.name.value === "skipped") wanted.skipped = true;
      else if (selection.name.value === "recentComments") {
        const arg = selection.arguments?.find((a) => a.name.value === "first");
        const first = arg ? valueFromASTUntyped(arg.value, info.variableValues) : undefined;
        const limit = first === undefined || first === null ? 20 : first;
        if (typeof limit === "number" && Number.isInteger(limit) && limit >= 0) wanted.comments = Math.max(wanted.comments ?? 0, Math.min(limit, 100));
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet?.selections ?? []);
  return wanted;
}

builder.queryField("csatReport", (t) =>
  t.field({
    type: CsatReport,
    authScopes: { member: true },
    description:
      "CSAT figures by dispatch time: the last 7, 30 or 90 days (exact to the millisecond, up to now), all time, or CUSTOM from (inclusive) to (exclusive).",
    args: {
      range: t.arg({ type: CsatRange, required: true }),
      from: t.arg({ type: "DateTime", description: "With range: CUSTOM, the window's first instant." }),
      to: t.arg({ type: "DateTime", description: "With range: CUSTOM, the instant the window ends (exclusive)." }),
    },
    resolve: (_root, args, ctx, info) =>
      csatReport(ctx.app, ctx.actor, args.range, { from: args.from, to: args.to }, extrasWanted(info)),
  }),
);

const CsatTrendUnit = builder.enumType("CsatTrendUnit", {
  description: "The size of a trend's buckets: UTC days or UTC months.",
  values: CSAT_TREND_UNITS,
});

const CsatTrendPoint = builder.objectRef<TrendPoint>("CsatTrendPoint").implement({
  description: "The figures of the surveys dispatched in one UTC day or month.",
  fields: (t) => ({
    from: t.expose("from", { type: "DateTime", description: "The bucket's first instant." }),
    to: t.expose("to", { type: "DateTime", description: "The instant after the bucket (exclusive)." }),
    totals: t.expose("totals", { type: CsatFigures }),
  }),
});

builder.queryField("csatTrend", (t) =>
  t.field({
    type: [CsatTrendPoint],
    authScopes: { member: true },
    description:
      "CSAT figures per UTC day or month by dispatch time: the last `count` buckets, the current one included, oldest first (at most 366 days or 120 months).",
    args: {
      unit: t.arg({ type: CsatTrendUnit, required: true }),
      count: t.arg.int({ required: true }),
    },
    resolve: (_root, args, ctx) => csatTrend(ctx.app, ctx.actor, args.unit, args.count),
  }),
);

const CsatAnswer = builder.objectRef<Answered>("CsatAnswer").implement({
  description: "A survey's answer, as it arrives.",
  fields: (t) => ({
    surveyId: t.exposeID("surveyId"),
    conversationId: t.exposeID("conversationId"),
    score: t.exposeInt("score"),
    comment: t.exposeString("comment", { nullable: true }),
    answeredAt: t.expose("answeredAt", { type: "DateTime" }),
    answeredVia: t.expose("answeredVia", { type: CsatAnswerVia }),
    dispatchedAt: t.expose("dispatchedAt", { type: "DateTime" }),
    bot: t.expose("bot", { type: Bot, nullable: true }),
    channel: t.expose("channel", { type: Channel, nullable: true }),
  }),
});

builder.subscriptionField("csatAnswered", (t) =>
  t.field({
    type: CsatAnswer,
    description: "Every new answer to a survey of the caller's workspace: for open report pages and inboxes.",
    authScopes: { member: true },
    subscribe: (_root, _args, ctx) => watchCsatAnswers(ctx.app, ctx.actor),
    resolve: (answer) => answer,
  }),
);
