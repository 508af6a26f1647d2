import type { Server } from "node:http";
import { connect, Server as NetServer, type AddressInfo, type Socket } from "node:net";

/** How long a kept-alive socket with nothing in flight may still bring a request once draining starts. */
const IDLE_GRACE_MS = 250;
/**
 * The same for a socket accepted that has brought no request yet: it was opened to bring one, and on
 * a busy machine its first bytes may take longer than a kept-alive socket's next request.
 */
const FIRST_REQUEST_GRACE_MS = 2000;

export interface Drain {
  /**
   * Stops accepting connections and answers every request already received, and any that arrives
   * on an open keep-alive socket meanwhile (each answered with `Connection: close`); idle sockets
   * close after a short grace. What is still open after `forceAfterMs` is cut. WebSocket sockets
   * are left to their own close handshake until then. `onClosing` runs just before the listening
   * socket stops taking connections.
   */
  drain(forceAfterMs: number, onClosing?: () => void): Promise<void>;
}

/** Counts each socket's requests in flight, so a stop can tell busy sockets from idle ones. */
export function trackRequests(server: Server): Drain {
  const inFlight = new Map<Socket, number>();
  const idleSince = new Map<Socket, number>();
  const upgraded = new Set<Socket>();
  /** Sockets that have brought at least one request. */
  const served = new WeakSet<Socket>();
  let draining = false;
  /** The stop's own last connection, while it is on its way (see sentinel()). */
  let sentinel: { port: number | null; seen: Map<number, Socket>; done: () => void } | null = null;

  // Before the app's own handlers.
  server.prependListener("connection", (socket: Socket) => {
    if (sentinel && socket.remotePort !== undefined) {
      if (socket.remotePort === sentinel.port) {
        socket.destroy();
        sentinel.done();
        return;
      }
      // Accepted before its client side learnt its port: matched when it does.
      sentinel.seen.set(socket.remotePort, socket);
    }
    inFlight.set(socket, 0);
    idleSince.set(socket, Date.now());
    socket.once("close", () => {
      inFlight.delete(socket);
      idleSince.delete(socket);
      upgraded.delete(socket);
    });
  });
  server.on("upgrade", (req) => upgraded.add(req.socket));
  server.prependListener("request", (req, res) => {
    const socket = req.socket;
    served.add(socket);
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (draining) res.setHeader("connection", "close");
    res.once("close", () => {
      if (!inFlight.has(socket)) return;
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (left === 0) idleSince.set(socket, Date.now());
    });
  });

  /**
   * Closes the listening socket (only it: http's own close() would also drop idle keep-alive
   * sockets at once, resetting requests already on their way over them). Connections the kernel has
   * completed but the process not yet accepted would be reset by that close, so the stop first
   * connects to itself and closes when that connection comes out of the accept queue: everything
   * queued before it has been taken by then.
   */
  function closeListener(): Promise<void> {
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    return closed;
  }

  /**
   * Connects to the server itself and resolves once the server has accepted that connection: the
   * accept queue is first in, first out, so every connection completed before it has been taken.
   */
  async function drainAcceptQueue(): Promise<void> {
    const address = server.address() as AddressInfo | null;
    if (!address) return;
    const host = address.address === "::" ? "::1" : address.address === "0.0.0.0" ? "127.0.0.1" : address.address;
    await new Promise<void>((resolve) => {
      const client = connect({ host, port: address.port });
      const done = () => {
        clearTimeout(timer);
        sentinel = null;
        client.destroy();
        resolve();
      };
      // Should the stop's own connection not come through, close anyway.
      const timer = setTimeout(done, 1000);
      const pending = { port: null as number | null, seen: new Map<number, Socket>(), done };
      sentinel = pending;
      client.on("error", done);
      client.on("connect", () => {
        pending.port = client.localPort ?? null;
        const accepted = pending.port === null ? undefined : pending.seen.get(pending.port);
        if (accepted) {
          accepted.destroy();
          done();
        }
      });
    });
  }

  return {
    async drain(forceAfterMs, onClosing) {
      draining = true;
      onClosing?.();
      await drainAcceptQueue();
      const listenerClosed = closeListener();
      const started = Date.now();
      for (const socket of idleSince.keys()) idleSince.set(socket, started);
      for (;;) {
        const now = Date.now();
        let busy = 0;
        for (const [socket, count] of inFlight) {
          if (upgraded.has(socket)) continue;
          const grace = served.has(socket) ? IDLE_GRACE_MS : FIRST_REQUEST_GRACE_MS;
          if (count > 0 || now - (idleSince.get(socket) ?? started) < grace) busy++;
          else socket.destroy();
        }
        if (busy === 0 && upgraded.size === 0) break;
        if (now - started >= forceAfterMs) {
          for (const socket of inFlight.keys()) socket.destroy();
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await listenerClosed;
      // Now http's own close finds nothing left to drop; it clears the server's timers.
      server.close();
    },
  };
}
