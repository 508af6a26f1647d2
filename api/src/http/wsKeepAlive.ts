/** What the keep-alive needs of a socket (ws's WebSocket has all of it). */
export interface PingedSocket {
  readonly readyState: number;
  readonly OPEN: number;
  ping(): void;
  terminate(): void;
  on(event: "pong", listener: (this: PingedSocket) => void): unknown;
  once(event: "close", listener: (this: PingedSocket) => void): unknown;
}

export interface WsKeepAlive {
  /** Pings `socket` once per interval from now on; a socket that has not answered the previous ping is cut. */
  add(socket: PingedSocket): void;
  stop(): void;
}

/**
 * One timer for every socket's keep-alive, instead of graphql-ws's own (an interval per socket and,
 * on every ping, a timeout and a listener: at 20,000 idle widgets, 1,700 of each a second). The
 * sockets are dealt into `slices` buckets and one bucket is pinged every interval ÷ slices, so the
 * pings are spread over the interval rather than sent in one burst that would stall the event loop.
 * A socket still owing the pong of its previous ping when its bucket comes round again (one
 * interval later, as graphql-ws waited) is terminated.
 */
export function createWsKeepAlive(intervalMs: number, slices = 12): WsKeepAlive {
  const buckets = Array.from({ length: slices }, () => new Set<PingedSocket>());
  const owing = new WeakSet<PingedSocket>();
  let dealt = 0;
  let turn = 0;
  // Shared listeners (the socket is `this`): nothing allocated per socket but its place in a bucket.
  function answered(this: PingedSocket) {
    owing.delete(this);
  }
  function closed(this: PingedSocket) {
    for (const bucket of buckets) bucket.delete(this);
  }
  const timer = setInterval(() => {
    for (const socket of buckets[turn++ % slices]!) {
      if (socket.readyState !== socket.OPEN) continue;
      if (owing.has(socket)) {
        socket.terminate();
        continue;
      }
      owing.add(socket);
      socket.ping();
    }
  }, intervalMs / slices);
  timer.unref();
  return {
    add(socket) {
      buckets[dealt++ % slices]!.add(socket);
      socket.on("pong", answered);
      socket.once("close", closed);
    },
    stop: () => clearInterval(timer),
  };
}
