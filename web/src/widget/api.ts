import { CloseCode, createClient, type Client } from "graphql-ws/client";
import { graphql } from "./gql";
import type { TypedDocumentString } from "./gql/graphql";
import { retryDelay } from "./retry";

export const StartConversationMutation = graphql(`
  mutation WidgetStart($input: StartWidgetConversationInput!) {
    startWidgetConversation(input: $input) {
      visitorToken
      conversation {
        id
      }
    }
  }
`);

export const ConversationQuery = graphql(`
  query WidgetConversation($id: ID!) {
    conversation(id: $id) {
      id
      status
      messages {
        id
        body
        fromCustomer
        createdAt
      }
      csatSurvey {
        state
        score
      }
    }
  }
`);

export const SendMessageMutation = graphql(`
  mutation WidgetSend($conversationId: ID!, $body: String!) {
    sendMessage(conversationId: $conversationId, body: $body) {
      id
      body
      fromCustomer
      createdAt
    }
  }
`);

export const SubmitCsatMutation = graphql(`
  mutation WidgetSubmitCsat($token: String!, $score: Int!, $comment: String, $reason: String) {
    submitCsat(token: $token, score: $score, comment: $comment, reason: $reason) {
      outcome
      survey {
        score
      }
    }
  }
`);

/** The widget's one subscription: its conversation's changes, and its survey's prompt among them. */
export const ConversationUpdatedSubscription = graphql(`
  subscription WidgetConversationUpdated($conversationId: ID!) {
    conversationUpdated(conversationId: $conversationId) {
      change
      csatPrompt {
        surveyId
        token
        expiresAt
        locale
        question
        thankYou
        reasons
        reasonsAtOrBelow
      }
    }
  }
`);

/** A request that failed: `network` when the server could not be reached, else the GraphQL error code. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly network = false,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One operation over HTTP `POST /graphql` on the widget's own origin. */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  visitorToken?: string,
): Promise<TResult> {
  let body: GraphQLResponse<TResult> | null = null;
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hydra-csrf": "1",
        accept: "application/graphql-response+json, application/json",
        ...(visitorToken ? { authorization: `Bearer ${visitorToken}` } : {}),
      },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
    body = (await response.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new RequestError("Can't reach the server.", null, true);
  }
  const error = body.errors?.[0];
  if (error) throw new RequestError(error.message, error.extensions?.code ?? null);
  if (!body.data) throw new RequestError("Empty response.", null);
  return body.data;
}

export type ConnectionState = "connecting" | "online" | "offline";

export interface SocketOptions {
  visitorToken: string;
  onState(state: ConnectionState): void;
  /** The server refused the visitor token: the conversation is gone. */
  onRefused(): void;
}

const isCloseEvent = (value: unknown): value is { code: number } =>
  typeof value === "object" && value !== null && "code" in value && typeof value.code === "number";

/**
 * The widget's graphql-ws connection: eager, retrying without end after network drops (a socket
 * whose pong is late counts as dropped), and re-subscribing its subscriptions on every reconnect.
 */
export function createWidgetSocket({ visitorToken, onState, onRefused }: SocketOptions): Client {
  let socket: WebSocket | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
  return createClient({
    url,
    lazy: false,
    connectionParams: { visitorToken },
    keepAlive: 10_000,
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelay(retries))),
    shouldRetry: (event) => {
      if (isCloseEvent(event) && event.code === CloseCode.Forbidden) {
        onRefused();
        return false;
      }
      return true;
    },
    onNonLazyError: () => onState("offline"),
    on: {
      connecting: () => onState("connecting"),
      connected: (opened) => {
        socket = opened as WebSocket;
        onState("online");
      },
      closed: () => {
        clearTimeout(pongTimer);
        onState("offline");
      },
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => {
          if (socket?.readyState === WebSocket.OPEN) socket.close(4408, "Pong timeout");
        }, 5_000);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });
}
