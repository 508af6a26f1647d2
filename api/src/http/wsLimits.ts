import { GraphQLError } from "graphql";
import type { WebSocket, WebSocketServer } from "ws";
import type { Actor } from "../services/actors.js";
import type { Logger } from "../log.js";

/** The close code of a socket refused because its visitor already has the most sockets open. */
export const TOO_MANY_SOCKETS = 4429;
/** Sockets one visitor token (one widget's conversation) may hold open at once, per process. */
export const MAX_SOCKETS_PER_VISITOR = 5;

export interface WsLimits {
  /**
   * From onConnect, once the actor is known: a visitor with `maxSocketsPerVisitor` sockets already
   * open gets this one closed with 4429 (false); otherwise it is counted until it closes (true).
   */
  admitSocket(socket: WebSocket, actor: Actor | null): boolean;
  /**
   * From onSubscribe, first: the socket's operations in flight (graphql-ws's `subscriptions`, which
   * already holds the new one) beyond `maxOperations` get a GraphQL error coded LIMIT_EXCEEDED;
   * the socket stays open and its other operations go on.
   */
  admitOperation(inFlight: Record<string, unknown>): readonly GraphQLError[] | null;
}

/**
 * What one WebSocket may hold in this process's memory: a bounded number of live operations (each
 * holds an iterator and its queue), and a bounded number of sockets per visitor token, so that a
 * widget's token cannot open sockets without end. (Message size is ws's `maxPayload`, in app.ts.)
 */
export function createWsLimits(options: { maxOperations: number; maxSocketsPerVisitor?: number }): WsLimits {
  const maxSockets = options.maxSocketsPerVisitor ?? MAX_SOCKETS_PER_VISITOR;
  const socketsByVisitor = new Map<string, number>();
  return {
    admitSocket(socket, actor) {
      // Closed while its credentials were being checked: nothing to count (its close has passed).
      if (socket.readyState !== socket.OPEN) return false;
      if (actor?.kind !== "visitor") return true;
      const key = actor.conversationId;
      const open = socketsByVisitor.get(key) ?? 0;
      if (open >= maxSockets) {
        socket.close(TOO_MANY_SOCKETS, `At most ${maxSockets} connections per visitor`);
        return false;
      }
      socketsByVisitor.set(key, open + 1);
      socket.once("close", () => {
        const left = (socketsByVisitor.get(key) ?? 1) - 1;
        if (left > 0) socketsByVisitor.set(key, left);
        else socketsByVisitor.delete(key);
      });
      return true;
    },
    admitOperation(inFlight) {
      if (Object.keys(inFlight).length <= options.maxOperations) return null;
      return [
        new GraphQLError(`At most ${options.maxOperations} operations at once on one connection; complete one first`, {
          extensions: { code: "LIMIT_EXCEEDED" },
        }),
      ];
    },
  };
}

/**
 * Socket errors go to the server's log rather than graphql-ws's console line ("Internal error…"):
 * a message over `maxPayload` is the client's doing (ws has closed its socket with 1009 already)
 * and is one warning; anything else is an error, and the socket is closed with 1011 as graphql-ws
 * would. Call after useServer, so that this replaces its listener on every new socket.
 */
export function logSocketErrors(wss: WebSocketServer, log: Logger): void {
  wss.on("connection", (socket) => {
    socket.removeAllListeners("error");
    socket.on("error", (err: Error & { code?: string }) => {
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
        log.warn(`[ws] a message over ${wss.options.maxPayload} bytes closed its socket (1009)`);
        return;
      }
      log.error("[ws] socket error", err);
      socket.close(1011, "Internal server error");
    });
  });
}
