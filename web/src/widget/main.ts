import { openChat, type Chat } from "./chat";
import { h } from "./dom";
import { messages as text } from "./messages";
import { createStartForm } from "./startForm";
import { browserStorage, readSession, writeSession, type StoredSession } from "./store";
import "./widget.css";

const storage = browserStorage();
const channelId = new URLSearchParams(location.search).get("channel") ?? "";
const embedded = window.parent !== window;
const root = document.getElementById("widget") as HTMLElement;

/** Tells the page that embeds the widget (see embed.ts) to close the panel or draw attention to it. */
function notifyHost(type: "close" | "attention") {
  if (embedded) window.parent.postMessage({ source: "hydra-widget", type }, "*");
}

const status = h("p", { class: "w-status", role: "status" });
const body = h("div", { class: "w-body" });
root.append(
  h(
    "header",
    { class: "w-head" },
    h("div", null, h("h1", null, "Chat with us"), h("p", null, "We usually reply within a few minutes.")),
    embedded
      ? h("button", { type: "button", class: "w-close", "aria-label": text.closeChat, onclick: () => notifyHost("close") }, "×")
      : null,
  ),
  h("main", { class: "w-main" }, status, body),
);
/** On a phone the embedded widget covers the page, so Tab cycles inside it rather than leaving for the page behind. */
const fullScreen = embedded ? matchMedia("(max-width: 480px)") : null;
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") notifyHost("close");
  if (event.key === "Tab" && fullScreen?.matches) keepFocusInside(event);
});

function keepFocusInside(event: KeyboardEvent) {
  const focusable = [...root.querySelectorAll<HTMLElement>("button, input, textarea, select, a[href], [tabindex='0']")].filter(
    (el) => !el.closest("[hidden]") && !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0,
  );
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || !root.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || !root.contains(active))) {
    event.preventDefault();
    first.focus();
  }
}

let chat: Chat | null = null;

function showStart(notice: string | null = null) {
  body.replaceChildren(createStartForm({ channelId, notice, onStarted: (session) => start(session, true) }));
  status.textContent = "";
  root.dataset.view = "start";
}

function start(session: StoredSession, fresh = false) {
  chat?.close();
  writeSession(storage, channelId, session);
  root.dataset.view = "chat";
  root.dataset.conversation = session.conversationId;
  chat = openChat(
    {
      session,
      mount: (elements) => body.replaceChildren(...elements),
      save: (current) => writeSession(storage, channelId, current),
      onEnded: (notice) => {
        chat = null;
        writeSession(storage, channelId, null);
        showStart(notice);
      },
      onConnection: (state, lost) => {
        status.textContent = lost ? "Connection lost. Reconnecting…" : "";
        root.dataset.connection = lost ? "offline" : state;
      },
      onAttention: () => notifyHost("attention"),
    },
    fresh,
  );
}

function boot() {
  if (!channelId) {
    body.replaceChildren(h("p", { class: "notice" }, "This chat is not set up: the page must give its channel id."));
    return;
  }
  const session = readSession(storage, channelId);
  if (session) start(session);
  else showStart();
}

addEventListener("online", () => chat?.refresh());
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && chat?.refresh());
boot();
