import { builder } from "../builder.js";
import { listAuditEntries } from "../services/audit.js";
import { ApiKey } from "./apiKeys.js";
import { Teammate } from "./workspaces.js";

const AuditEntry = builder.prismaObject("AuditEntry", {
  fields: (t) => ({
    id: t.exposeID("id"),
    action: t.exposeString("action"),
    actor: t.relation("actor", { nullable: true, type: Teammate }),
    actorApiKey: t.relation("apiKey", { nullable: true, type: ApiKey, description: "The API key that made the change, when a key did." }),
    actorName: t.string({
      nullable: true,
      description: "The teammate's name, or the API key's name; null if it has since been deleted.",
      select: { actor: { select: { name: true } }, apiKey: { select: { name: true } } },
      resolve: (e) => e.actor?.name ?? e.apiKey?.name ?? null,
    }),
    before: t.string({ description: "JSON text of the values before.", resolve: (e) => JSON.stringify(e.before) }),
    after: t.string({ description: "JSON text of the values after.", resolve: (e) => JSON.stringify(e.after) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("auditLog", (t) =>
  t.prismaField({
    type: [AuditEntry],
    authScopes: { admin: true },
    description: "Newest first.",
    args: {
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.id({ description: "The id of the last entry of the page before: the next page (older entries)." }),
    },
    resolve: (query, _root, args, ctx) => listAuditEntries(ctx.app, ctx.actor, args.first, query, args.after == null ? null : String(args.after)),
  }),
);
