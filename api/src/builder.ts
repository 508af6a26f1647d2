import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { runsInProduction } from "./config.js";
import type { Context } from "./context.js";
import type PrismaTypes from "./generated/pothos-types.js";
import { getDatamodel } from "./generated/pothos-types.js";
import { refusal, scopesOf } from "./services/actors.js";

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: { DateTime: { Input: Date; Output: Date }; ID: { Input: string; Output: string } };
  AuthScopes: { public: boolean; member: boolean; teammate: boolean; admin: boolean; visitorOf: string };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, PrismaPlugin],
  scopeAuth: {
    authorizeOnSubscribe: true,
    // The gates are the policy module's predicates (services/actors.ts), never a copy of them.
    authScopes: (ctx) => scopesOf(ctx.actor),
    // A credential that matched nothing leaves no actor: UNAUTHENTICATED, as the services say.
    unauthorizedError: (_parent, ctx) => refusal(ctx.actor),
  },
  prisma: {
    client: (ctx) => ctx.app.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: runsInProduction() ? null : "warn",
  },
});
