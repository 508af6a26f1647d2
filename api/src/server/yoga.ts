import type { IncomingMessage } from "node:http";
import { RequestCache } from "@pothos/plugin-scope-auth";
import { GraphQLError, subscribe as graphqlSubscribe } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { createContext, type Context } from "../context.js";
import type { App } from "../deps.js";
import { DATABASE_UNAVAILABLE_MESSAGE, DomainError, isDatabaseUnavailable } from "../errors.js";
import { graphqlGuards } from "../http/graphqlGuards.js";
import { graphqlMetrics } from "../http/graphqlMetrics.js";
import { browserOrigins } from "../http/headers.js";
import type { Logger } from "../log.js";
import { schema } from "../schema/index.js";
import type { Actor } from "../services/actors.js";

/** What the HTTP handler (`req`) and the WebSocket server (the socket's `actor`) hand to Yoga. */
export interface YogaServerContext {
  req?: IncomingMessage;
  actor?: Actor | null;
  /** A WebSocket's caller address, found when it connected (its upgrade request is not kept). */
  ip?: string;
  /** The request's own app (see appForRequest); a live subscription keeps the server's. */
  app?: App;
}

export type Yoga = YogaServerInstance<YogaServerContext, Context>;

/**
 * GraphQL over HTTP at /graphql: the schema with its guards (depth, cost, rate limits), masked
 * errors, CORS for our own origin and ALLOWED_ORIGINS, and a fresh context per operation. The
 * WebSocket server runs its operations through the same instance (`getEnveloped`).
 */
export function createYogaServer(app: App, extraPlugins: Plugin[] = []): Yoga {
  const allowedOrigins = browserOrigins(app.config);
  return createYoga<YogaServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: app.config.production ? false : { subscriptionsProtocol: "WS" },
    maskedErrors: { maskError: maskError(app.log) },
    logging: false,
    // http.ts answers 411/413 before Yoga runs (a POST needs a Content-Length within
    // MAX_GRAPHQL_BODY_BYTES, and node reads no more than it declares); Yoga's own limit would pipe
    // every body through a counting TransformStream, ~6% of a mutation's server CPU (docs/benchmarks.md).
    maxRequestBodySize: false,
    plugins: [...graphqlGuards({ production: app.config.production, limits: app.limits }), graphqlMetrics(app.metrics), plainSubscriptions, releaseScopeCache, ...extraPlugins],
    // Browsers may call with credentials from our own origin and ALLOWED_ORIGINS only.
    cors: (request) => {
      const origin = request.headers.get("origin");
      return origin && allowedOrigins.has(origin) ? { origin: [origin], credentials: true, maxAge: 600 } : false;
    },
    context: async (initial) => {
      const ip = initial.ip ?? app.limits.clientIp(initial.req);
      const requestApp = initial.app ?? app;
      // WebSocket operations arrive with the actor found when the socket connected.
      if (initial.actor !== undefined) return { app: requestApp, actor: initial.actor, badCredentials: false, operator: false, ip };
      return { ...(await createContext(requestApp, { authorization: initial.request.headers.get("authorization") })), ip };
    },
  });
}

/**
 * Subscriptions run on graphql-js's own `subscribe` rather than the executor Yoga brings (which
 * maps each event through @defer/@stream's machinery: an iterator, an async generator and their
 * frames per live subscription, ~1 KiB per idle widget). Our subscriptions stream plain results;
 * the plugins' hooks (masked errors among them) wrap the stream as before.
 */
const plainSubscriptions: Plugin = {
  onSubscribe: ({ setSubscribeFn }) => setSubscribeFn(graphqlSubscribe as Parameters<typeof setSubscribeFn>[0]),
};

/**
 * Drops scope-auth's cache of an operation's scopes once the operation has been executed. It lives
 * in a WeakMap keyed by the context and refers back to the context; V8's young-generation collector
 * treats such an entry's value as reachable, so the context and all it holds (the request, the
 * response, the services' objects and rows) outlived every young collection, was promoted, and
 * waited in the old space for the next full mark-compact, which with 20,000 widgets open has
 * ~350 MiB to mark. docs/benchmarks.md has the figures; api/test/gc/promotion.test.ts keeps them.
 * (A subscription clears its cache once it listens, in server/ws.ts.)
 */
const releaseScopeCache: Plugin = {
  onExecute: () => ({
    onExecuteDone: ({ args }) => RequestCache.clearForContext(args.contextValue as object),
  }),
};

/** Turns domain errors into coded GraphQL errors and hides everything unexpected. */
function maskError(log: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    const path = error instanceof GraphQLError ? error.path : undefined;
    if (original instanceof DomainError) {
      return new GraphQLError(original.message, { path, extensions: { ...original.extensions, code: original.code } });
    }
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) {
      const source = original instanceof GraphQLError ? original : error;
      return new GraphQLError(source.message, {
        path,
        nodes: source.nodes,
        extensions: { ...source.extensions, code: source.extensions.code ?? "BAD_USER_INPUT" },
      });
    }
    if (isDatabaseUnavailable(original)) {
      log.warn(`[db] unreachable while serving ${path ? path.join(".") : "a request"}`);
      return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, { path, extensions: { code: "SERVICE_UNAVAILABLE" } });
    }
    log.error(`unexpected error${path ? ` at ${path.join(".")}` : ""}`, original);
    return new GraphQLError("Unexpected error.", { path, extensions: { code: "INTERNAL_SERVER_ERROR" } });
  };
}
