import { builder } from "../builder.js";
import { takeAllowance } from "../http/graphqlGuards.js";
import { signIn, signOut } from "../services/auth.js";
import { createWorkspace, getWorkspace } from "../services/workspaces.js";
import { Role } from "./scalars.js";

export const Workspace = builder.prismaObject("Workspace", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
  }),
});

export const Teammate = builder.prismaObject("Teammate", {
  fields: (t) => ({
    id: t.exposeID("id"),
    email: t.exposeString("email"),
    name: t.exposeString("name"),
    role: t.expose("role", { type: Role }),
  }),
});

const CreateWorkspaceInput = builder.inputType("CreateWorkspaceInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    adminEmail: t.string({ required: true }),
    adminName: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

const CreateWorkspacePayload = builder
  .objectRef<Awaited<ReturnType<typeof createWorkspace>>>("CreateWorkspacePayload")
  .implement({
    fields: (t) => ({
      workspace: t.expose("workspace", { type: Workspace }),
      admin: t.expose("admin", { type: Teammate }),
      token: t.exposeString("token"),
    }),
  });

const SignInPayload = builder.objectRef<Awaited<ReturnType<typeof signIn>>>("SignInPayload").implement({
  fields: (t) => ({
    token: t.exposeString("token", { description: "A session token for `Authorization: Bearer <token>`." }),
    teammate: t.expose("teammate", { type: Teammate }),
  }),
});

builder.queryFields((t) => ({
  me: t.prismaField({
    type: Teammate,
    nullable: true,
    authScopes: (_root, _args, ctx) => !ctx.badCredentials,
    description: "The signed-in teammate; null for API keys, visitors and anonymous callers.",
    resolve: (query, _root, _args, ctx) =>
      ctx.actor?.kind === "teammate"
        ? ctx.app.prisma.teammate.findUnique({ ...query, where: { id: ctx.actor.teammateId } })
        : null,
  }),
  workspace: t.prismaField({
    type: Workspace,
    authScopes: { member: true },
    description: "The workspace of the caller.",
    resolve: (_query, _root, _args, ctx) => getWorkspace(ctx.app, ctx.actor),
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    type: CreateWorkspacePayload,
    authScopes: { public: true },
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await takeAllowance(ctx, "signup", ctx.ip ?? "unknown");
      return createWorkspace(ctx.app, input, { operator: ctx.operator });
    },
  }),
  signIn: t.field({
    type: SignInPayload,
    authScopes: { public: true },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await takeAllowance(ctx, "signIn", ctx.ip ?? "unknown");
      return signIn(ctx.app, args, { ip: ctx.ip ?? "unknown" });
    },
  }),
  signOut: t.boolean({
    authScopes: { teammate: true },
    description: "Ends the session whose token made this request.",
    resolve: (_root, _args, ctx) => signOut(ctx.app, ctx.actor),
  }),
}));
