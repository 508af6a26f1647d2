import { builder } from "../builder.js";
import { createApiKey, listApiKeys, revokeApiKey } from "../services/apiKeys.js";
import { Role } from "./scalars.js";
import { Teammate } from "./workspaces.js";

export const ApiKey = builder.prismaObject("ApiKey", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix", { description: "The first characters of the key, to recognise it by." }),
    role: t.expose("role", { type: Role, description: "What the key may do: ADMIN as an admin teammate, AGENT as an agent." }),
    createdBy: t.relation("createdBy", { nullable: true, type: Teammate }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true, description: "To the minute; null if never used." }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<Awaited<ReturnType<typeof createApiKey>>>("CreateApiKeyPayload").implement({
  fields: (t) => ({
    apiKey: t.expose("apiKey", { type: ApiKey }),
    key: t.exposeString("key", { description: "The secret itself, shown this once; only its hash is stored." }),
  }),
});

builder.queryField("apiKeys", (t) =>
  t.prismaField({
    type: [ApiKey],
    authScopes: { admin: true },
    description: "The workspace's API keys, newest first, revoked ones included; never their secrets.",
    resolve: (query, _root, _args, ctx) => listApiKeys(ctx.app, ctx.actor, query),
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    authScopes: { admin: true },
    description: "A signed-in admin only (an API key may not make keys). Audited.",
    args: { name: t.arg.string({ required: true }), role: t.arg({ type: Role, defaultValue: "ADMIN" }) },
    resolve: (_root, args, ctx) => createApiKey(ctx.app, ctx.actor, args),
  }),
  revokeApiKey: t.prismaField({
    type: ApiKey,
    authScopes: { admin: true },
    description: "The key stops working at once and its open sockets close. Audited; revoking twice changes nothing.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => revokeApiKey(ctx.app, ctx.actor, args.id, query),
  }),
}));
