import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { runsInProduction } from "./config.js";
import type { Context } from "./context.js";
import { forbidden, unauthenticated } from "./errors.js";
import type PrismaTypes from "./generated/pothos-types.js";
import { getDatamodel } from "./generated/pothos-types.js";
import { isAdmin, isMember, isVisitorOf } from "./services/actors.js";

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: { DateTime: { Input: Date; Output: Date }; ID: { Input: string; Output: string } };
  AuthScopes: { public: boolean; member: boolean; admin: boolean; visitorOf: string };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      public: true,
      member: isMember(ctx.actor),
      admin: isAdmin(ctx.actor),
      visitorOf: (conversationId) => isVisitorOf(ctx.actor, conversationId),
    }),
    unauthorizedError: (_parent, ctx) => (ctx.actor && !ctx.badCredentials ? forbidden() : unauthenticated()),
  },
  prisma: {
    client: (ctx) => ctx.app.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: runsInProduction() ? null : "warn",
  },
});
