import type { Actor } from "./services/actors.js";
import type { App } from "./deps.js";
import { requestLog } from "./log.js";
import { authenticate, bearerSecret } from "./services/auth.js";
import { sameSecret } from "./tokens.js";

/** Made fresh for every HTTP request and every WebSocket operation. */
export interface Context {
  app: App;
  actor: Actor | null;
  /** A secret was sent but matched no session, key or visitor. */
  badCredentials: boolean;
  /** The bearer was OPERATOR_TOKEN: may create workspaces when sign-up is closed. */
  operator: boolean;
  /** The caller's address (see TRUSTED_PROXIES), for per-IP limits. */
  ip?: string;
}

export interface Credentials {
  /** An `Authorization` header value: `Bearer <session, API key or visitor token>`. */
  authorization?: string | null | undefined;
  /** A widget's visitor token, as graphql-ws connectionParams carry it. */
  visitorToken?: string | null | undefined;
}

/**
 * `app` as one request's (or socket operation's) work sees it: its log lines carry `requestId`
 * (without AsyncLocalStorage, so also with LOG_REQUEST_IDS=edge), and what it leaves for the workers
 * is stamped with it. A few fields copied per request; everything else is the server's own.
 */
export function appForRequest(app: App, requestId: string): App {
  return { ...app, requestId, log: requestLog(app.log, requestId) };
}

export async function createContext(app: App, credentials: Credentials): Promise<Context> {
  const secret = bearerSecret(credentials.authorization) ?? (credentials.visitorToken || undefined);
  const operatorToken = app.config.operatorToken;
  if (secret && operatorToken && sameSecret(secret, operatorToken)) return { app, actor: null, badCredentials: false, operator: true };
  const actor = await authenticate(app, secret);
  return { app, actor: actor ?? null, badCredentials: actor === null, operator: false };
}
