import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticHandler } from "../../api/src/http/static.js";

const INDEX_HTML = `<!doctype html><title>Hydra CSAT</title><script type="module" src="/assets/index-abc123.js"></script>`;
const ASSET_JS = `console.log("hydra");`;
const ASSET_CSS = `body{margin:0}`;
const WIDGET_HTML = `<!doctype html><title>Chat with us</title>`;
const DEMO_HTML = `<!doctype html><title>Widget demo</title>`;
const EMBED_JS = `(()=>{})();`;
const SECRET = "outside the dist folder";

/** A dist folder with index.html and assets, a secret file beside it, and a server with the handler in front of a 404. */
async function startFixture() {
  const base = await mkdtemp(join(tmpdir(), "hydra-static-"));
  const dist = join(base, "dist");
  await mkdir(join(dist, "assets"), { recursive: true });
  await writeFile(join(dist, "index.html"), INDEX_HTML);
  await writeFile(join(dist, "assets", "index-abc123.js"), ASSET_JS);
  await writeFile(join(dist, "assets", "index-def456.css"), ASSET_CSS);
  await writeFile(join(dist, "robots.txt"), "User-agent: *\n");
  await writeFile(join(dist, "widget.html"), WIDGET_HTML);
  await writeFile(join(dist, "widget-demo.html"), DEMO_HTML);
  await mkdir(join(dist, "widget"));
  await writeFile(join(dist, "widget", "embed.js"), EMBED_JS);
  await writeFile(join(base, "secret.txt"), SECRET);

  const serveStatic = createStaticHandler(dist);
  const server: Server = createServer((req, res) => {
    serveStatic(req, res)
      .then((handled) => {
        if (handled) return;
        res.writeHead(404, { "content-type": "application/json", "x-passthrough": "1" });
        res.end(JSON.stringify({ error: "Not found" }));
      })
      .catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async dispose() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Sends `path` exactly as written; fetch would normalise `..` away before it left the client. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("createStaticHandler", () => {
  let fixture: Awaited<ReturnType<typeof startFixture>>;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture?.dispose());

  it("serves hashed assets with their content type, cached for a year", async () => {
    const js = await fetch(`${fixture.url}/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await js.text()).toBe(ASSET_JS);

    const css = await fetch(`${fixture.url}/assets/index-def456.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toBe(ASSET_CSS);
  });

  it("serves index.html uncached at / and /index.html", async () => {
    for (const path of ["/", "/index.html"]) {
      const res = await fetch(`${fixture.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(await res.text()).toBe(INDEX_HTML);
    }
  });

  it("serves other top-level files without the immutable cache", async () => {
    const res = await fetch(`${fixture.url}/robots.txt`);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("falls back to index.html for the app's routes", async () => {
    const routes = ["/inbox", "/inbox/conv_123", "/reports?range=LAST_30_DAYS", "/settings/csat", "/sign-in", "/team/audit-log", "/outbox"];
    for (const path of routes) {
      const res = await fetch(`${fixture.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control"), path).toBe("no-cache");
      expect(await res.text(), path).toBe(INDEX_HTML);
    }
  });

  it("serves the chat widget, its demo page and its embed script, uncached", async () => {
    const pages = [
      ["/widget?channel=abc", WIDGET_HTML, "text/html; charset=utf-8"],
      ["/widget-demo?channel=abc", DEMO_HTML, "text/html; charset=utf-8"],
      ["/widget/embed.js", EMBED_JS, "text/javascript; charset=utf-8"],
    ] as const;
    for (const [path, body, type] of pages) {
      const res = await fetch(`${fixture.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(res.headers.get("cache-control"), path).toBe("no-cache");
      expect(await res.text(), path).toBe(body);
    }
    for (const path of ["/widget/", "/widget-demo/x", "/widgets"]) {
      const res = await fetch(`${fixture.url}${path}`);
      expect(res.status, path).toBe(404);
    }
  });

  it("answers HEAD with headers and no body", async () => {
    const res = await fetch(`${fixture.url}/assets/index-abc123.js`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(ASSET_JS)));
    expect(await res.text()).toBe("");
  });

  it("answers 304 when index.html has not changed", async () => {
    const first = await fetch(`${fixture.url}/inbox`);
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await fetch(`${fixture.url}/inbox`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
  });

  it("leaves everything else to the caller", async () => {
    const misses = ["/assets/missing.js", "/favicon.ico", "/api/conversations", "/csat/0123abcd", "/assets/", "/inboxes"];
    for (const path of misses) {
      const res = await fetch(`${fixture.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("x-passthrough"), path).toBe("1");
    }
    const post = await fetch(`${fixture.url}/inbox`, { method: "POST", body: "{}" });
    expect(post.status).toBe(404);
    expect(post.headers.get("x-passthrough")).toBe("1");
  });

  it("gives a browser's navigation to an unknown path the app (its not-found page), with status 404", async () => {
    const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
    for (const path of ["/nope", "/inboxes", "/api/nothing-here", "/settings-old/x"]) {
      const res = await fetch(`${fixture.url}${path}`, { headers: html });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
      expect(res.headers.get("x-passthrough"), path).toBeNull();
      expect(await res.text(), path).toBe(INDEX_HTML);
    }
    // Missing files stay plain 404s even for a browser, and programs asking for JSON get the caller's answer.
    for (const path of ["/assets/missing.js", "/favicon.ico", "/robots2.txt"]) {
      const res = await fetch(`${fixture.url}${path}`, { headers: html });
      expect(res.headers.get("x-passthrough"), path).toBe("1");
    }
    const json = await fetch(`${fixture.url}/nope`, { headers: { accept: "application/json" } });
    expect(json.headers.get("x-passthrough")).toBe("1");
    // The app's own routes still answer 200.
    expect((await fetch(`${fixture.url}/inbox/123`, { headers: html })).status).toBe(200);
  });

  it("rejects paths with .. and never reads outside the folder", async () => {
    const attempts = [
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/inbox/..%5c..%5csecret.txt",
      "/%E0%A4%A", // not decodable
    ];
    for (const path of attempts) {
      const res = await rawGet(fixture.port, path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).not.toContain(SECRET);
    }
  });
});
