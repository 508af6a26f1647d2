import { getRefFromModel, queryFromInfo } from "@pothos/plugin-prisma";
import { builder } from "../builder.js";
import type { CsatSurvey } from "../generated/prisma/client.js";
import { countCsatResponses, listCsatResponses, loadCsatSurveys, type ResponsePage } from "../services/csat/responses.js";
import { loadedConnection } from "./paging.js";
import { CsatRange } from "./scalars.js";

builder.prismaObjectFields("CsatSurvey", (t) => ({
  conversation: t.relation("conversation"),
  followUp: t.relation("followUp", { nullable: true }),
}));

const CsatResponseFilter = builder.inputType("CsatResponseFilter", {
  fields: (t) => ({
    range: t.field({ type: CsatRange, description: "Default ALL_TIME; CUSTOM uses from/to, by dispatch time." }),
    from: t.field({ type: "DateTime" }),
    to: t.field({ type: "DateTime" }),
    botId: t.id({ description: 'A bot\'s id, or "none" for surveys with no bot.' }),
    channelId: t.id({ description: 'A channel\'s id, or "none" for surveys with no channel.' }),
    teammateId: t.id({ description: 'A teammate\'s id, or "none" for surveys credited to no one.' }),
    scores: t.intList(),
    hasComment: t.boolean(),
    reason: t.string(),
    search: t.string({ description: "Words in the comment or the customer's name or email (each word, as a prefix)." }),
  }),
});

const CsatSurvey = getRefFromModel("CsatSurvey", builder);

type LoadedPage = ResponsePage & { nodes: CsatSurvey[] };

const CsatResponseConnection = loadedConnection<CsatSurvey, LoadedPage>("CsatResponse", CsatSurvey, (page, ctx) => countCsatResponses(ctx.app, page));

builder.queryField("csatResponses", (t) =>
  t.field({
    type: CsatResponseConnection,
    authScopes: { member: true },
    description: "Answered surveys, newest answer first; `after` is the endCursor of the page before.",
    args: {
      filter: t.arg({ type: CsatResponseFilter }),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: async (_root, args, ctx, info) => {
      const page = await listCsatResponses(ctx.app, ctx.actor, args);
      const query = queryFromInfo({ context: ctx, info, typeName: "CsatSurvey", path: ["edges", "node"] });
      return { ...page, nodes: await loadCsatSurveys(ctx.app, page, query) };
    },
  }),
);
