import type { Actor } from "./services/actors.js";
import type { App } from "./services/app.js";
import { authenticate, bearerSecret } from "./services/auth.js";

/** Made fresh for every HTTP request and every WebSocket operation. */
export interface Context {
  app: App;
  actor: Actor | null;
  /** A secret was sent but matched no session, key or visitor. */
  badCredentials: boolean;
}

export interface Credentials {
  /** An `Authorization` header value: `Bearer <session, API key or visitor token>`. */
  authorization?: string | null | undefined;
  /** A widget's visitor token, as graphql-ws connectionParams carry it. */
  visitorToken?: string | null | undefined;
}

export async function createContext(app: App, credentials: Credentials): Promise<Context> {
  const secret = bearerSecret(credentials.authorization) ?? (credentials.visitorToken || undefined);
  const actor = await authenticate(app, secret);
  return { app, actor: actor ?? null, badCredentials: actor === null };
}
