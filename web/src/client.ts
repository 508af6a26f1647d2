import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "urql";
import { CloseCode, createClient as createWsClient, type Client as WsClient } from "graphql-ws/client";
import { errorCode } from "./errors";

export interface ApiClient {
  client: Client;
  /** Closes the WebSocket, if one was opened. */
  dispose(): void;
}

export interface ApiClientOptions {
  /** The session token sent as `Authorization: Bearer <token>`; null when signed out. */
  token: string | null;
  /** Called when the server no longer accepts the token (expired or signed out elsewhere). */
  onUnauthenticated?: () => void;
}

/** The header the API requires on requests a browser could send cross-site without a preflight. */
export const CSRF_HEADER = "x-hydra-csrf";

/** The WebSocket address of the GraphQL endpoint on the page's own host. */
export function graphqlWsUrl(location: Pick<Location, "protocol" | "host">): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
}

/**
 * One urql client per session: queries and mutations over fetch to `/graphql`, subscriptions over
 * graphql-ws. A new session gets a new client, so no cached data outlives the session that read it.
 */
export function createApiClient({ token, onUnauthenticated }: ApiClientOptions): ApiClient {
  const authorization = token ? `Bearer ${token}` : null;
  let ws: WsClient | null = null;

  // Opened on the first subscription only, so pages without one never hold a socket.
  const socket = () =>
    (ws ??= createWsClient({
      url: graphqlWsUrl(window.location),
      connectionParams: authorization ? { authorization } : {},
      // 4403 means the token was refused; retrying cannot help.
      shouldRetry: (event) => !(isCloseEvent(event) && event.code === CloseCode.Forbidden),
    }));

  const client = new Client({
    url: "/graphql",
    // The CSRF header lets queries go as GET (urql's default when they fit in a URL).
    fetchOptions: () => ({ headers: { [CSRF_HEADER]: "1", ...(authorization ? { authorization } : {}) } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (authorization && errorCode(error) === "UNAUTHENTICATED") onUnauthenticated?.();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const payload = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              return { unsubscribe: socket().subscribe(payload, sink) };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    dispose() {
      void ws?.dispose();
      ws = null;
    },
  };
}

function isCloseEvent(value: unknown): value is { code: number } {
  return typeof value === "object" && value !== null && "code" in value && typeof value.code === "number";
}
