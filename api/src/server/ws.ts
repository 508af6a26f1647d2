import type { Server } from "node:http";
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { YogaServerInstance } from "graphql-yoga";
import { RequestCache } from "@pothos/plugin-scope-auth";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { appForRequest, createContext, type Context, type Credentials } from "../context.js";
import type { CredentialRevoked } from "../pubsub.js";
import { promptWatchRefusal, watchRefusal, type Actor } from "../services/actors.js";
import type { App } from "../deps.js";
import { MAX_GRAPHQL_BODY_BYTES } from "../http/json.js";
import { createWsKeepAlive } from "../http/wsKeepAlive.js";
import { createWsLimits, logSocketErrors } from "../http/wsLimits.js";
import { newRequestId, withRequestId } from "../requestId.js";

/** How often each socket is pinged; one that has not answered the previous ping is cut (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

/** How long a revocation is remembered for sockets still connecting (authenticated just before it). */
const RECENT_REVOCATION_MS = 60_000;

/** What an operation hands to Yoga: the socket's actor and address, and a query's or mutation's own app. */
type OperationServerContext = { actor?: Actor | null; ip?: string; app?: App };
type Yoga = YogaServerInstance<OperationServerContext, Context>;

/**
 * graphql-ws on `server`'s `/graphql`, running operations through Yoga's own pipeline. Each socket
 * is indexed by the credentials it was opened with (session, teammate, API key); when one ends,
 * on this process or another (the `credentials:revoked` topic crosses Redis), its sockets close
 * with 4403 at once, live subscriptions and all.
 */
export function serveGraphqlWs(app: App, yoga: Yoga, server: Server, options: { maxOperations: number }): WebSocketServer {
  // A message may be as large as a GraphQL POST body; a larger one closes the socket (1009).
  // Compression stays off (ws's default for a server): a deflate context per socket costs far more
  // memory than the widget's few small messages would save.
  const wss = new WebSocketServer({ server, path: "/graphql", maxPayload: MAX_GRAPHQL_BODY_BYTES, perMessageDeflate: false });
  // graphql-ws's keep-alive (a ping every 12 s, cut without a pong) from one timer for all sockets.
  const keepAlive = createWsKeepAlive(KEEP_ALIVE_MS);
  wss.on("connection", (socket) => keepAlive.add(socket));
  wss.once("close", () => keepAlive.stop());
  const limits = createWsLimits({ maxOperations: options.maxOperations });
  const sockets = createSocketIndex();
  const revocations = app.pubsub.subscribe("credentials:revoked")[Symbol.asyncIterator]();
  void (async () => {
    for (let next = await revocations.next(); !next.done; next = await revocations.next()) sockets.revoke(next.value);
  })().catch((err: unknown) => app.log.error("[ws] revocation listener stopped", err));
  wss.once("close", () => void revocations.return?.());
  // For /metrics: the sockets graphql-ws accepted, and the operations running on each.
  const accepted = new Set<{ subscriptions: Record<string, unknown> }>();
  app.metrics.watchWebSockets(() => {
    let operations = 0;
    for (const ctx of accepted) for (const _ in ctx.subscriptions) operations++;
    return { sockets: wss.clients.size, operations };
  });

  const logOperations = app.config.logLevel === "debug";
  // Each connection gets a request id (`ws-…`), and each operation `<connection's>/<operation id>`:
  // the log lines its authentication, execution and subscription cause carry it.
  useServer<Record<string, unknown>, { credentials?: Credentials; ip?: string; requestId?: string }>(
    {
      execute: (args) => {
        const root = args.rootValue as { execute: typeof import("graphql").execute; requestId: string };
        return withRequestId(root.requestId, root.execute, args);
      },
      subscribe: (args) => {
        const root = args.rootValue as { subscribe: typeof import("graphql").subscribe; requestId: string };
        return withRequestId(root.requestId, root.subscribe, args);
      },
      onConnect: (ctx) => withRequestId((ctx.extra.requestId = newRequestId("ws")), async () => {
        const params = ctx.connectionParams ?? {};
        const credentials = {
          authorization: typeof params.authorization === "string" ? params.authorization : undefined,
          visitorToken: typeof params.visitorToken === "string" ? params.visitorToken : undefined,
        };
        // A wrong token refuses the socket (4403); no token at all may still use public fields.
        const context = await createContext(app, credentials);
        if (context.badCredentials) return false;
        if (!limits.admitSocket(ctx.extra.socket, context.actor)) return false;
        ctx.extra.credentials = credentials;
        // The upgrade request is needed only for the caller's address: an open socket keeps that,
        // not the request with all its headers (a few KiB per idle widget).
        ctx.extra.ip = app.limits.clientIp(ctx.extra.request);
        (ctx.extra as { request?: unknown }).request = undefined;
        sockets.add(ctx.extra.socket, context.actor);
        accepted.add(ctx);
        ctx.extra.socket.once("close", () => accepted.delete(ctx));
        app.log.debug?.(`[ws] connected (${context.actor?.kind ?? "no credential"})`, { requestId: ctx.extra.requestId });
        return true;
      }),
      onSubscribe: (ctx, id, payload) => {
        const operationId = `${ctx.extra.requestId ?? "ws"}/${id}`;
        return withRequestId(operationId, async () => {
          const tooMany = limits.admitOperation(ctx.subscriptions);
          if (tooMany) return tooMany;
          // Checked again for every operation, as well as closed on revocation.
          const context = await createContext(app, ctx.extra.credentials ?? {});
          if (context.badCredentials) {
            ctx.extra.socket.close(CloseCode.Forbidden, "Forbidden");
            return [new GraphQLError("Your credentials are no longer valid", { extensions: { code: "UNAUTHENTICATED" } })];
          }
          const actor = context.actor;
          const initial: OperationServerContext & Record<string, unknown> = { ...ctx, ip: ctx.extra.ip, socket: ctx.extra.socket, params: payload, actor };
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(initial);
          const document = parse(payload.query);
          const operation = getOperationAST(document, payload.operationName);
          // A query or mutation gets the operation's own app (its id on the work it causes); a live
          // subscription keeps the server's, as an idle widget holds its context for hours.
          if (operation?.operation !== "subscription") initial.app = appForRequest(app, operationId);
          if (logOperations) {
            app.log.debug?.(`[ws] operation ${operation?.name?.value ?? "(anonymous)"} started`, { requestId: operationId });
          }
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          if (!(await widgetMayRun(app, schema, actor, document, payload.operationName, payload.variables))) {
            ctx.extra.socket.close(CloseCode.Forbidden, "Forbidden");
            return [new GraphQLError("Forbidden", { extensions: { code: "FORBIDDEN" } })];
          }
          return {
            schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe, requestId: operationId },
          };
        });
      },
      // scope-auth's per-operation cache (its scopes and five Maps) has done its work once a
      // subscription is authorized and listening; an idle widget need not keep it for hours. An
      // event that resolves fields later builds it afresh.
      onOperation: (_ctx, _id, _payload, args) => {
        RequestCache.clearForContext(args.contextValue as object);
      },
    },
    wss,
    0,
  );
  logSocketErrors(wss, app.log);
  return wss;
}

/** The keys a socket is found by when a credential ends (a visitor's, when its customer is erased). */
function credentialKeys(actor: Actor | null): string[] {
  if (actor?.kind === "teammate") return [`session:${actor.sessionId}`, `teammate:${actor.teammateId}`];
  if (actor?.kind === "apiKey") return [`apiKey:${actor.apiKeyId}`];
  if (actor?.kind === "visitor") return [`visitor:${actor.conversationId}`];
  return [];
}

/** What the index needs of a socket. */
export interface IndexedSocket {
  close(code?: number, reason?: string): void;
  once(event: "close", listener: () => void): unknown;
}

/** This process's open sockets by credential, and the revocations it heard lately. */
export function createSocketIndex() {
  const byKey = new Map<string, Set<IndexedSocket>>();
  const recent = new Map<string, number>();
  const close = (socket: IndexedSocket) => socket.close(CloseCode.Forbidden, "Forbidden");

  return {
    add(socket: IndexedSocket, actor: Actor | null) {
      const keys = credentialKeys(actor);
      const now = Date.now();
      // Authenticated just before a revocation that was heard before this socket was indexed.
      if (keys.some((key) => (recent.get(key) ?? 0) > now)) return close(socket);
      for (const key of keys) {
        let set = byKey.get(key);
        if (!set) byKey.set(key, (set = new Set()));
        set.add(socket);
      }
      socket.once("close", () => {
        for (const key of keys) {
          const set = byKey.get(key);
          set?.delete(socket);
          if (set?.size === 0) byKey.delete(key);
        }
      });
    },
    revoke(revoked: CredentialRevoked) {
      const key = `${revoked.kind}:${revoked.id}`;
      const now = Date.now();
      for (const [k, until] of recent) if (until <= now) recent.delete(k);
      recent.set(key, now + RECENT_REVOCATION_MS);
      for (const socket of byKey.get(key) ?? []) close(socket);
    },
  };
}

/** The root fields an operation selects, through fragment spreads and inline fragments alike. */
function selectedRootFields(document: DocumentNode, operation: OperationDefinitionNode): FieldNode[] {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return fields;
}

/**
 * The subscription fields the policy module decides (canWatch and the prompt's rule, in
 * services/actors.ts) are asked before they run: a refusal the credential alone decides (a visitor
 * asking for another conversation, anyone but the visitor asking for its prompt, no credential at
 * all) closes the socket with 4403 rather than leaving it open to try other ids, however the field
 * is reached (plainly, in a fragment, under an alias). Arguments are read as the schema coerces
 * them (ids normalised). A member asking for another workspace's conversation gets the field's
 * NOT_FOUND, on an open socket.
 */
async function widgetMayRun(
  app: App,
  schema: GraphQLSchema,
  actor: Actor | null,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): Promise<boolean> {
  const subscriptionType = schema.getSubscriptionType();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== "subscription" || !subscriptionType) continue;
    if (operationName && definition.name?.value !== operationName) continue;
    const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], variables ?? {});
    // Variables that do not coerce fail the operation before any field runs.
    if (coerced.errors) continue;
    for (const node of selectedRootFields(document, definition)) {
      const field = node.name.value;
      if (field !== "csatRequested" && field !== "conversationUpdated") continue;
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(subscriptionType.getFields()[field]!, node, coerced.coerced);
      } catch {
        continue; // arguments that do not coerce fail the field before it runs
      }
      const conversationId = String(args.conversationId);
      const refused = field === "csatRequested" ? promptWatchRefusal(actor, conversationId) : await watchRefusal(app, actor, conversationId);
      if (refused && refused.code !== "NOT_FOUND") return false;
    }
  }
  return true;
}
