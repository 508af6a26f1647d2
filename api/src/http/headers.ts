import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config.js";

/** The only page other sites may frame: the chat widget (embed.js puts it in an iframe). */
export const FRAMEABLE_PATHS = new Set(["/widget"]);

/** Origins a browser may call us from with credentials: PUBLIC_URL's and ALLOWED_ORIGINS. */
export function browserOrigins(config: Pick<Config, "publicUrl" | "allowedOrigins">): ReadonlySet<string> {
  return new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins]);
}

/** Set on every response before its handler runs: no MIME sniffing, and no framing but the widget's. */
export function securityHeaders(res: ServerResponse, pathname: string): void {
  res.setHeader("x-content-type-options", "nosniff");
  if (FRAMEABLE_PATHS.has(pathname)) return;
  res.setHeader("content-security-policy", "frame-ancestors 'none'");
  res.setHeader("x-frame-options", "DENY");
}

/** True when `err` only says that the client went away before its request was read. */
export function isClientAbort(req: IncomingMessage, err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && (e.code === "ECONNRESET" || e.code === "ERR_STREAM_PREMATURE_CLOSE" || e.message === "aborted")) return true;
  return req.destroyed && !req.complete;
}

