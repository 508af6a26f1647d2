import { builder } from "../builder.js";
import type { ReasonCountRow } from "../db/reports.js";
import { languageOf } from "../services/csat/answers.js";
import { reasonsOf } from "../services/reports/report.js";
import { CsatPrompt, PublicCsatSurvey } from "./csat.js";
import { CsatReport } from "./reports.js";

builder.prismaObjectField("CsatSurvey", "locale", (t) =>
  t.exposeString("locale", { description: "The language the customer is asked in (BCP 47, e.g. \"es\")." }),
);
builder.prismaObjectField("CsatSurvey", "reason", (t) => t.exposeString("reason", { nullable: true, description: "The reason the customer picked, if any." }));
builder.prismaObjectField("Customer", "locale", (t) => t.exposeString("locale", { nullable: true }));

builder.objectFields(PublicCsatSurvey, (t) => ({
  locale: t.string({ resolve: async (survey, _args, ctx) => (await languageOf(ctx.app, survey)).locale }),
  thankYou: t.string({ resolve: async (survey, _args, ctx) => (await languageOf(ctx.app, survey)).thankYou }),
  reasons: t.stringList({
    description: "What to offer after a score at or below reasonsAtOrBelow: the workspace's own words, not translated.",
    resolve: async (survey, _args, ctx) => (await languageOf(ctx.app, survey)).reasons,
  }),
  reasonsAtOrBelow: t.int({ resolve: async (survey, _args, ctx) => (await languageOf(ctx.app, survey)).reasonsAtOrBelow }),
}));

builder.objectFields(CsatPrompt, (t) => ({
  locale: t.exposeString("locale"),
  thankYou: t.exposeString("thankYou"),
  reasons: t.exposeStringList("reasons"),
  reasonsAtOrBelow: t.exposeInt("reasonsAtOrBelow"),
}));

const CsatReasonCount = builder.objectRef<ReasonCountRow>("CsatReasonCount").implement({
  fields: (t) => ({
    reason: t.exposeString("reason"),
    count: t.exposeInt("count"),
  }),
});

builder.objectField(CsatReport, "byReason", (t) =>
  t.field({
    type: [CsatReasonCount],
    description: "How many answers in the window gave each reason, most given first.",
    resolve: (report, _args, ctx) => reasonsOf(ctx.app, report),
  }),
);
