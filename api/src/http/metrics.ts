import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../deps.js";
import { bearerSecret } from "../services/auth.js";
import { sameSecret } from "../tokens.js";
import { sendJson } from "./json.js";

export const METRICS_PATH = "/metrics";

/**
 * GET /metrics: the Prometheus text of app.metrics. With METRICS_TOKEN set, only for
 * `Authorization: Bearer <METRICS_TOKEN>` (else 401); unset, open to whoever reaches the port.
 */
export async function handleMetrics(app: App, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendJson(res, 405, { error: "GET /metrics only" }, { allow: "GET, HEAD" });
  }
  if (token) {
    const offered = bearerSecret(req.headers.authorization);
    if (!offered || !sameSecret(offered, token)) {
      return sendJson(res, 401, { error: "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>" }, { "www-authenticate": 'Bearer realm="metrics"' });
    }
  }
  const { contentType, body } = await app.metrics.render();
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}
