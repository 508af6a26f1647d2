/**
 * The embed script a website includes to get the chat widget:
 *
 * ```html
 * <script src="https://hydra.example/widget/embed.js" data-channel="<channel id>" async></script>
 * ```
 *
 * It adds a "Chat with us" button and a panel holding the widget in an iframe served by Hydra (so
 * the site's styles and scripts never touch it, and the widget keeps its conversation in Hydra's own
 * storage). The iframe loads at once, so a survey asked for while the panel is closed still arrives;
 * the button then shows a badge. Kept dependency-free and tiny.
 */
(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  const channel = script?.dataset.channel;
  if (!script || !channel || document.getElementById("hydra-chat")) return;
  const origin = new URL(script.src).origin;
  const frameUrl = new URL("/widget", origin);
  frameUrl.searchParams.set("channel", channel);
  const label = script.dataset.label || "Chat with us";

  const style = document.createElement("style");
  style.textContent = `
#hydra-chat-button{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;font:600 16px/1 system-ui,sans-serif;padding:14px 20px;border:0;border-radius:999px;color:#fff;background:#1d4ed8;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}
#hydra-chat-button:hover,#hydra-chat-button[data-open=true]{background:#1e3a8a}
#hydra-chat-button:focus-visible{outline:3px solid #1e3a8a;outline-offset:3px}
#hydra-chat-button[data-badge]::after{content:"";width:10px;height:10px;border-radius:50%;background:#f59e0b;box-shadow:0 0 0 2px #fff}
#hydra-chat{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:380px;height:min(600px,calc(100vh - 104px));border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff}
#hydra-chat[hidden]{display:none}
#hydra-chat iframe{width:100%;height:100%;border:0;display:block}
@media (max-width:480px){#hydra-chat{inset:0;width:auto;height:auto;border-radius:0}}`;

  const button = document.createElement("button");
  button.type = "button";
  button.id = "hydra-chat-button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "hydra-chat");

  const panel = document.createElement("div");
  panel.id = "hydra-chat";
  panel.hidden = true;
  const frame = document.createElement("iframe");
  frame.src = frameUrl.href;
  frame.title = label;
  frame.allow = "clipboard-write";
  panel.append(frame);

  // While the panel is open the launcher is its close button (on a phone the widget's own × is).
  function setOpen(open: boolean) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "× Close" : label;
    button.dataset.open = String(open);
    // On a phone the panel covers the page, so the button steps aside while it is open.
    button.style.visibility = open && matchMedia("(max-width:480px)").matches ? "hidden" : "";
    if (open) {
      delete button.dataset.badge;
      button.setAttribute("aria-label", "Close chat");
      frame.focus();
    } else {
      button.setAttribute("aria-label", label);
      button.focus();
    }
  }

  button.addEventListener("click", () => setOpen(panel.hidden));
  addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { source?: string; type?: string } | null;
    if (event.origin !== origin || event.source !== frame.contentWindow || data?.source !== "hydra-widget") return;
    if (data.type === "close" && !panel.hidden) setOpen(false);
    if (data.type === "attention" && panel.hidden) {
      button.dataset.badge = "";
      button.setAttribute("aria-label", `${label} (new message)`);
    }
  });

  document.head.append(style);
  document.body.append(panel, button);
  if (script.dataset.open === "true") setOpen(true);
})();
