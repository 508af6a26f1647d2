import WebSocket from "ws";
import { monotonicMs } from "./clock.js";

/** What the chat widget subscribes to (web/src/widget/api.ts): its conversation's changes, its survey's prompt among them. */
const SUBSCRIPTION =
  "subscription WidgetConversationUpdated($conversationId: ID!) { conversationUpdated(conversationId: $conversationId) { change csatPrompt { surveyId token expiresAt } } }";

export interface Widget {
  conversationId: string;
  /** monotonicMs() of each prompt received. */
  received: number[];
  /** How many conversation changes arrived (a resolve sends one beside its prompt). */
  updates: number;
  /** Open, acknowledged and subscribed. */
  ready: Promise<void>;
  closed: Promise<void>;
  close(): void;
}

/**
 * A minimal graphql-transport-ws client, as light as the protocol allows so that thousands fit in
 * the bench process: connection_init with the visitor token, the widget's one subscription, and a
 * timestamp for every prompt (the other changes are only counted).
 */
export function openWidget(
  wsUrl: string,
  conversationId: string,
  visitorToken: string,
  onPrompt?: (w: Widget, at: number) => void,
  /** The source address (any in 127.0.0.0/8), so many thousands do not run out of ephemeral ports. */
  localAddress?: string,
): Widget {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws", { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {});
  const closed = new Promise<void>((res) => socket.once("close", () => res()));
  const widget: Widget = { conversationId, received: [], updates: 0, ready, closed, close: () => socket.close(1000) };
  socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { visitorToken } })));
  socket.on("message", (data) => {
    const at = monotonicMs();
    const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: unknown };
    if (message.type === "next") {
      const payload = message.payload as { data?: { conversationUpdated?: { csatPrompt?: unknown } } };
      if (payload.data?.conversationUpdated?.csatPrompt) {
        widget.received.push(at);
        onPrompt?.(widget, at);
      } else {
        widget.updates++;
      }
    } else if (message.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: SUBSCRIPTION, variables: { conversationId } } }));
      resolveReady();
    } else if (message.type === "ping") {
      socket.send('{"type":"pong"}');
    } else if (message.type === "error") {
      rejectReady(new Error(`subscription refused: ${JSON.stringify(message.payload)}`));
    }
  });
  socket.once("error", (err) => rejectReady(err));
  socket.once("close", (code) => rejectReady(new Error(`socket closed (${code}) before the subscription`)));
  return widget;
}

/** Opens `count` widgets, at most `inFlight` handshakes at a time. */
export async function openWidgets(
  count: number,
  open: (i: number) => Widget,
  inFlight = 200,
): Promise<Widget[]> {
  const widgets: Widget[] = new Array(count);
  let next = 0;
  let failed: Error | null = null;
  const lane = async () => {
    while (next < count && !failed) {
      const i = next++;
      widgets[i] = open(i);
      await widgets[i].ready.catch((err: Error) => {
        failed ??= err;
      });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  if (failed) throw failed;
  return widgets;
}

export async function closeWidgets(widgets: Widget[]): Promise<void> {
  for (const w of widgets) w.close();
  await Promise.all(widgets.map((w) => w.closed));
}
