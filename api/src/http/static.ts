import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";

/** Paths the web app routes itself; each also covers what lies below it (`/inbox/:id`). */
export const APP_ROUTES = ["/sign-in", "/inbox", "/reports", "/responses", "/follow-ups", "/settings", "/team", "/teammates", "/outbox"] as const;

/** Pages of their own, each one exact path to one HTML file: the chat widget (framed by embed.js) and its demo site. */
export const PAGE_ROUTES: Readonly<Record<string, string>> = {
  "/widget": "widget.html",
  "/widget-demo": "widget-demo.html",
};

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
};

/** Vite names everything under /assets/ by content hash, so those files never change. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Serves the built web app from `distDir` (normally `web/dist`) for GET and HEAD: its files, and
 * `index.html` for the app's own routes ({@link APP_ROUTES}) so a reload or a shared link opens the
 * right page. Any other page a browser navigates to (`Accept: text/html`) gets `index.html` with
 * status 404, so the app shows its own not-found page rather than raw JSON. Resolves `true` when it
 * answered, `false` when the caller should (typically with 404 JSON, for programs and missing files).
 * A path with `..` is answered 400 and never leaves `distDir`.
 */
export function createStaticHandler(distDir: string): StaticHandler {
  const root = resolve(distDir);
  const indexFile = resolve(root, "index.html");

  return async function serveStatic(req, res) {
    if (req.method !== "GET" && req.method !== "HEAD") return false;

    const pathname = pathnameOf(req.url);
    if (pathname === undefined || pathname.split(/[/\\]/).includes("..") || pathname.includes("\0")) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end("Bad request");
      return true;
    }

    if (pathname !== "/" && !pathname.endsWith("/")) {
      const file = resolve(root, `.${pathname}`);
      if (file.startsWith(root + sep)) {
        const stats = await fileStats(file);
        if (stats) {
          const cacheControl = pathname.startsWith("/assets/") ? IMMUTABLE : REVALIDATE;
          await sendFile(req, res, file, stats, cacheControl);
          return true;
        }
      }
    }

    const page = Object.hasOwn(PAGE_ROUTES, pathname) ? PAGE_ROUTES[pathname] : undefined;
    if (page) {
      const file = resolve(root, page);
      const stats = await fileStats(file);
      if (stats) {
        await sendFile(req, res, file, stats, REVALIDATE);
        return true;
      }
    }

    const appRoute = isAppRoute(pathname);
    if (appRoute || wantsPage(req, pathname)) {
      const stats = await fileStats(indexFile);
      if (stats) {
        await sendFile(req, res, indexFile, stats, REVALIDATE, appRoute ? 200 : 404);
        return true;
      }
    }
    return false;
  };
}

/** A browser navigating (it asks for HTML first), not a script fetching a missing file by its name. */
function wantsPage(req: IncomingMessage, pathname: string): boolean {
  const accept = req.headers.accept ?? "";
  return accept.includes("text/html") && !pathname.startsWith("/assets/") && extname(pathname) === "";
}

function isAppRoute(pathname: string): boolean {
  return pathname === "/" || APP_ROUTES.some((route) => pathname === route || pathname.startsWith(`${route}/`));
}

/** The decoded path of a request URL, or undefined when it cannot be decoded. */
function pathnameOf(url: string | undefined): string | undefined {
  const raw = (url ?? "/").split(/[?#]/, 1)[0] || "/";
  if (!raw.startsWith("/")) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

async function fileStats(file: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, stats: Stats, cacheControl: string, status = 200) {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers = {
    "content-type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "cache-control": cacheControl,
    "last-modified": stats.mtime.toUTCString(),
    etag,
    "x-content-type-options": "nosniff",
  };
  if (status === 200 && req.headers["if-none-match"]?.split(",").some((tag) => tag.trim() === etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, "content-length": stats.size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file), res);
  } catch {
    // The client went away mid-file (or the file did); the status is sent, so just drop the socket.
    res.destroy();
  }
}
