/**
 * One authority: the policy module (services/actors.ts) decides who may do what. Its predicates
 * and require* helpers are tabled here for every kind of actor; scope-auth's gate of every root
 * field is evaluated from them (scopesOf) and shown to add nothing the services do not decide
 * already (the same answers with every gate removed); canWatch is tabled against real
 * conversations; and REST, MCP and GraphQL answer the same actor and target alike.
 */
import { randomBytes } from "node:crypto";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  execute,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isAbstractType,
  parse,
  subscribe,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builder } from "../src/builder.js";
import type { Context } from "../src/context.js";
import { DomainError } from "../src/errors.js";
import { schema } from "../src/schema/index.js";
import { withNormalizedIds } from "../src/schema/scalars.js";
import {
  canWatch,
  isAdmin,
  isMember,
  isTeammate,
  isVisitorOf,
  requireAdmin,
  requireAdminTeammate,
  requireConversationReader,
  requireMember,
  requirePromptWatch,
  requireTeammate,
  scopesOf,
  watchRefusal,
  type Actor,
} from "../src/services/actors.js";
import { authenticate } from "../src/services/auth.js";
import { hashPassword } from "../src/tokens.js";
import { gql, gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT" | "RATE_LIMITED" | string;

function outcomeOf(run: () => unknown): Outcome {
  try {
    run();
    return "ok";
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
}

describe("the policy module, actor by actor", () => {
  const W = "00000000-0000-4000-8000-000000000001";
  const C1 = "00000000-0000-4000-8000-0000000000c1";
  const C2 = "00000000-0000-4000-8000-0000000000c2";
  const actors: Record<string, Actor | null> = {
    anonymous: null,
    visitorOfC1: { kind: "visitor", workspaceId: W, conversationId: C1 },
    agent: { kind: "teammate", workspaceId: W, teammateId: "t1", role: "AGENT", sessionId: "s1" },
    admin: { kind: "teammate", workspaceId: W, teammateId: "t2", role: "ADMIN", sessionId: "s2" },
    agentKey: { kind: "apiKey", workspaceId: W, apiKeyId: "k1", role: "AGENT" },
    adminKey: { kind: "apiKey", workspaceId: W, apiKeyId: "k2", role: "ADMIN" },
  };
  const operations = {
    member: (a: Actor | null) => requireMember(a),
    teammate: (a: Actor | null) => requireTeammate(a),
    admin: (a: Actor | null) => requireAdmin(a),
    adminTeammate: (a: Actor | null) => requireAdminTeammate(a),
    readC1: (a: Actor | null) => requireConversationReader(a, C1),
    readC2: (a: Actor | null) => requireConversationReader(a, C2),
    promptC1: (a: Actor | null) => requirePromptWatch(a, C1),
    promptC2: (a: Actor | null) => requirePromptWatch(a, C2),
  };
  const U = "UNAUTHENTICATED";
  const F = "FORBIDDEN";
  const expected: Record<string, Outcome[]> = {
    //           member teammate admin adminTeammate readC1 readC2 promptC1 promptC2
    anonymous: [U, U, U, U, U, U, U, U],
    visitorOfC1: [F, F, F, F, "ok", F, "ok", F],
    agent: ["ok", "ok", F, F, "ok", "ok", F, F],
    admin: ["ok", "ok", "ok", "ok", "ok", "ok", F, F],
    agentKey: ["ok", F, F, F, "ok", "ok", F, F],
    adminKey: ["ok", F, "ok", F, "ok", "ok", F, F],
  };

  it("require* answers the table of actors × operations", () => {
    const table = Object.fromEntries(
      Object.entries(actors).map(([name, actor]) => [name, Object.values(operations).map((op) => outcomeOf(() => op(actor)))]),
    );
    expect(table).toEqual(expected);
  });

  it("the predicates, the require* helpers and scope-auth's scopes say the same", () => {
    for (const [name, actor] of Object.entries(actors)) {
      const scopes = scopesOf(actor);
      expect(scopes.public, name).toBe(true);
      expect(scopes.member, name).toBe(isMember(actor));
      expect(scopes.member, name).toBe(outcomeOf(() => requireMember(actor)) === "ok");
      expect(scopes.teammate, name).toBe(isTeammate(actor));
      expect(scopes.teammate, name).toBe(outcomeOf(() => requireTeammate(actor)) === "ok");
      expect(scopes.admin, name).toBe(isAdmin(actor));
      expect(scopes.admin, name).toBe(outcomeOf(() => requireAdmin(actor)) === "ok");
      for (const id of [C1, C2]) {
        expect(scopes.visitorOf(id), name).toBe(isVisitorOf(actor, id));
        expect(scopes.visitorOf(id), name).toBe(outcomeOf(() => requirePromptWatch(actor, id)) === "ok");
      }
    }
  });
});

/** Evaluates a field's scope-auth gate (a scope map, or a function returning one) from scopesOf. */
function gateAdmits(authScopes: unknown, args: Record<string, unknown>, actor: Actor | null): boolean {
  const scopes = scopesOf(actor);
  const map = typeof authScopes === "function" ? (authScopes as (r: unknown, a: unknown, c: unknown) => unknown)({}, args, { actor, badCredentials: false }) : authScopes;
  if (typeof map === "boolean") return map;
  const evaluate = (m: Record<string, unknown>, any: boolean): boolean => {
    const results = Object.entries(m).map(([key, value]) => {
      if (key === "$any") return evaluate(value as Record<string, unknown>, true);
      if (key === "$all") return evaluate(value as Record<string, unknown>, false);
      const scope = scopes[key as keyof typeof scopes];
      return typeof scope === "function" ? scope(String(value)) : scope === value;
    });
    return any ? results.some(Boolean) : results.every(Boolean);
  };
  return evaluate(map as Record<string, unknown>, false);
}

const REFUSALS = new Set(["UNAUTHENTICATED", "FORBIDDEN"]);

describe.each(DB_KINDS)("one authority on %s", (db) => {
  let server: TestServer;
  let a: WorkspaceFixture;
  let b: WorkspaceFixture;
  const tokens: Record<string, string | undefined> = {};
  const actors: Record<string, Actor | null> = {};
  let widgetId: string;
  let aOther: string;
  let bConversation: string;

  beforeAll(async () => {
    server = await startTestServer({ db });
    a = await createWorkspaceFixture(server.url, "Alpha");
    b = await createWorkspaceFixture(server.url, "Beta");
    const email = `agent-${randomBytes(4).toString("hex")}@agents.test`;
    await server.running.app.prisma.teammate.create({
      data: { workspaceId: a.workspaceId, email, name: "Alan Agent", role: "AGENT", passwordHash: await hashPassword("correct horse battery", 14) },
    });
    const signIn = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`;
    const key = async (role: string, token: string) =>
      (await gqlOk(server.url, `mutation($r: Role!) { createApiKey(name: "k", role: $r) { key } }`, { r: role }, token)).createApiKey.key as string;
    const widget = await gqlOk(
      server.url,
      `mutation($c: ID!) { startWidgetConversation(input: { channelId: $c, customer: { name: "W" } }) { visitorToken conversation { id } } }`,
      { c: a.channelId },
    );
    widgetId = widget.startWidgetConversation.conversation.id;
    aOther = await createConversation(server.url, a);
    bConversation = await createConversation(server.url, b);
    Object.assign(tokens, {
      anonymous: undefined,
      badToken: "hck_not-a-real-key",
      visitor: widget.startWidgetConversation.visitorToken,
      agent: (await gqlOk(server.url, signIn, { e: email, p: "correct horse battery" })).signIn.token,
      admin: a.token,
      agentKey: await key("AGENT", a.token),
      adminKey: await key("ADMIN", a.token),
      otherAdminKey: await key("ADMIN", b.token),
    });
    for (const [name, token] of Object.entries(tokens)) actors[name] = (await authenticate(server.running.app, token)) ?? null;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("REST, MCP and GraphQL give the same answer for the same actor and target", async () => {
    const asCode = (status: number) => ({ 200: "ok", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND" })[status] ?? `HTTP ${status}`;
    const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
    const viaGraphql = async (token: string | undefined, id: string) => {
      const r = await gql(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, token);
      return (r.errors?.[0]?.extensions?.code as string | undefined) ?? "ok";
    };
    const viaRest = async (token: string | undefined, id: string) => {
      const res = await fetch(`${server.url}/api/conversations/${id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", ...auth(token) },
        body: JSON.stringify({ status: "resolved" }),
      });
      await res.body?.cancel();
      return asCode(res.status);
    };
    const viaMcp = async (token: string | undefined, id: string) => {
      const probe = await fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...auth(token) },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "probe", version: "1" } } }),
      });
      await probe.body?.cancel();
      if (probe.status !== 200) return asCode(probe.status);
      const client = new McpClient({ name: "policy", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: auth(token) } }));
      try {
        const r = await client.callTool({ name: "close_conversation", arguments: { conversation_id: id } });
        return r.isError ? (r.content as { text: string }[])[0]!.text.split(":")[0]! : "ok";
      } finally {
        await client.close();
      }
    };
    const viaExport = async (token: string | undefined) => {
      const res = await fetch(`${server.url}/api/csat/export.csv?range=ALL_TIME`, { headers: auth(token) });
      await res.body?.cancel();
      return asCode(res.status);
    };
    const answers: Record<string, Outcome[]> = {};
    for (const name of ["anonymous", "badToken", "visitor", "otherAdminKey", "agent", "agentKey", "adminKey"]) {
      const token = tokens[name];
      // The visitor's own conversation: the one target it could have any claim on.
      const target = name === "visitor" ? widgetId : aOther;
      answers[name] = [await viaGraphql(token, target), await viaRest(token, target), await viaMcp(token, target), await viaExport(token)];
    }
    expect(answers).toEqual({
      //             GraphQL  REST  MCP  CSV export (admins only)
      anonymous: ["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"],
      badToken: ["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"],
      visitor: ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      otherAdminKey: ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "ok"],
      agent: ["ok", "ok", "ok", "FORBIDDEN"],
      agentKey: ["ok", "ok", "ok", "FORBIDDEN"],
      adminKey: ["ok", "ok", "ok", "ok"],
    });
  });

  it("canWatch: a visitor its own conversation only; a teammate or key any of its workspace's", async () => {
    const app = server.running.app;
    const targets = { widget: widgetId, aOther, bConversation, notAnId: "not-an-id" };
    const table: Record<string, Outcome[]> = {};
    for (const name of ["anonymous", "visitor", "agent", "admin", "agentKey", "adminKey"]) {
      const actor = actors[name]!;
      table[name] = [];
      for (const id of Object.values(targets)) {
        const refused = await watchRefusal(app, actor, id);
        expect(await canWatch(app, actor, id), `${name} ${id}`).toBe(refused === null);
        table[name].push(refused?.code ?? "ok");
      }
    }
    const member = ["ok", "ok", "NOT_FOUND", "NOT_FOUND"];
    expect(table).toEqual({
      anonymous: ["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED"],
      visitor: ["ok", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      agent: member,
      admin: member,
      agentKey: member,
      adminKey: member,
    });
  });

  it("every root field's gate is the policy's predicates, and removing every gate changes no answer", async () => {
    const app = server.running.app;
    const ungated: GraphQLSchema = withNormalizedIds(builder.toSchema({ disableScopeAuth: true }));
    const ids = { conversation: widgetId };
    const valueFor = (type: GraphQLInputType): unknown => {
      if (isNonNullType(type)) return valueFor(type.ofType);
      if (isListType(type)) return [valueFor(type.ofType)];
      if (isInputObjectType(type)) {
        return Object.fromEntries(Object.values(type.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, valueFor(f.type)]));
      }
      if (isEnumType(type)) return type.getValues()[0]!.name;
      return { ID: ids.conversation, String: "x", Int: 1, Float: 1, Boolean: false, DateTime: new Date(0).toISOString() }[type.name];
    };
    const operationOf = (rootType: GraphQLObjectType, field: GraphQLField<unknown, unknown>) => {
      const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
      const variables = Object.fromEntries(required.map((arg) => [arg.name, valueFor(arg.type)]));
      const declared = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
      const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
      const named = getNamedType(field.type);
      const selection = isObjectType(named) || isAbstractType(named) ? " { __typename }" : "";
      const keyword = rootType.name.toLowerCase();
      const text = `${keyword}${declared ? `(${declared})` : ""} { ${field.name}${passed ? `(${passed})` : ""}${selection} }`;
      return { document: parse(text), variables };
    };
    const run = async (s: GraphQLSchema, kind: string, document: ReturnType<typeof parse>, variables: Record<string, unknown>, actor: Actor | null) => {
      const contextValue: Context = { app, actor, badCredentials: false, operator: false, ip: "203.0.113.7" };
      const result =
        kind === "Subscription"
          ? await subscribe({ schema: s, document, variableValues: variables, contextValue })
          : await execute({ schema: s, document, variableValues: variables, contextValue });
      if (Symbol.asyncIterator in result) {
        await (result as AsyncGenerator).return?.(undefined);
        return "ok";
      }
      const error = (result as ExecutionResult).errors?.[0];
      if (!error) return "ok";
      return error.originalError instanceof DomainError ? error.originalError.code : `ERROR ${error.message}`;
    };
    const differences: string[] = [];
    const gatesNotFromPolicy: string[] = [];
    let checked = 0;
    let refusedByGate = 0;
    for (const rootType of [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!]) {
      for (const field of Object.values(rootType.getFields())) {
        const { document, variables } = operationOf(rootType, field);
        const authScopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes;
        for (const name of ["anonymous", "visitor", "agent", "admin", "agentKey", "adminKey"]) {
          const actor = actors[name]!;
          const gated = await run(schema, rootType.name, document, variables, actor);
          const alone = await run(ungated, rootType.name, document, variables, actor);
          checked++;
          const where = `${rootType.name}.${field.name} as ${name}`;
          if (gated !== alone) differences.push(`${where}: gated ${gated}, services alone ${alone}`);
          // The gate, evaluated from the policy's predicates: when it refuses, the answer is the
          // policy's refusal, and the service (with no gate) refuses too.
          if (!gateAdmits(authScopes, variables, actor)) {
            refusedByGate++;
            if (!REFUSALS.has(gated) || !REFUSALS.has(alone)) gatesNotFromPolicy.push(`${where}: gate refuses, answers ${gated} / ${alone}`);
          } else if (REFUSALS.has(gated) && !REFUSALS.has(alone)) {
            gatesNotFromPolicy.push(`${where}: gate admits but answers ${gated}`);
          }
        }
      }
    }
    expect(differences).toEqual([]);
    expect(gatesNotFromPolicy).toEqual([]);
    // The walk did reach the fields and the refusals (a walk over nothing would pass).
    expect(checked).toBeGreaterThan(6 * 30);
    expect(refusedByGate).toBeGreaterThan(60);
  });
});
