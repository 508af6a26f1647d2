/**
 * The demo website: embeds the widget exactly as any site would, with the channel named in the
 * page's own address (`/widget-demo?channel=<id>`; the web app links here from Settings › Chat widget).
 */
const channel = new URLSearchParams(location.search).get("channel");
const note = document.getElementById("demo-note") as HTMLElement;
const snippet = document.getElementById("demo-snippet") as HTMLElement;
const src = `${location.origin}/widget/embed.js`;

snippet.textContent = `<script src="${src}" data-channel="${channel ?? "CHANNEL_ID"}" async></script>`;

if (channel) {
  const script = document.createElement("script");
  script.src = src;
  script.dataset.channel = channel;
  if (new URLSearchParams(location.search).get("open") === "1") script.dataset.open = "true";
  document.body.append(script);
  note.textContent = "The chat widget is on this page: use the “Chat with us” button at the bottom right.";
} else {
  note.dataset.kind = "warning";
  note.textContent =
    "No channel given. Open this page from Hydra (Settings › Chat widget), or add ?channel=<your Website chat channel id> to the address.";
}
