import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const web = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url));

/**
 * The web app, the chat widget and its demo page: sources in web/, built to web/dist, which the API
 * server serves. The widget's embed script keeps a fixed name (`/widget/embed.js`) so websites can
 * include it with one script tag; everything else is named by content hash under /assets/.
 */
export default defineConfig({
  root: web(""),
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Every browser we support preloads modules natively; the polyfill would only add weight.
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        app: web("index.html"),
        widget: web("widget.html"),
        "widget-demo": web("widget-demo.html"),
        embed: web("src/widget/embed.ts"),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === "embed" ? "widget/embed.js" : "assets/[name]-[hash].js"),
      },
    },
  },
});
