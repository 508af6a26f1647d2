import type { IncomingMessage, ServerResponse } from "node:http";
import { Webhook, WebhookVerificationError } from "svix";
import type { App } from "../deps.js";
import { applyDeliveryEvent, type DeliveryEvent } from "../services/outbox.js";

export const RESEND_WEBHOOK_PATH = "/api/webhooks/resend";

/** Resend's events are small; anything larger is not one. */
const MAX_BODY_BYTES = 256 * 1024;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

/**
 * `POST /api/webhooks/resend`: Resend's delivery events, Svix-signed with RESEND_WEBHOOK_SECRET.
 * 404 without the secret; 401 on a bad or stale signature (nothing changed); 200 when recorded, or
 * already recorded (the svix-id decides), or about no email of ours.
 */
export async function handleResendWebhook(app: App, secret: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!secret) {
    req.resume();
    return json(res, 404, { error: "Not found" });
  }
  if (req.method !== "POST") {
    req.resume();
    res.setHeader("allow", "POST");
    return json(res, 405, { error: "Use POST" });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return json(res, 413, { error: "Body too large" });
    chunks.push(chunk as Buffer);
  }
  const payload = Buffer.concat(chunks).toString("utf8");
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
  };
  try {
    new Webhook(secret).verify(payload, {
      "svix-id": header("svix-id"),
      "svix-timestamp": header("svix-timestamp"),
      "svix-signature": header("svix-signature"),
    });
  } catch (err) {
    if (err instanceof WebhookVerificationError) return json(res, 401, { error: "Bad or stale signature" });
    throw err;
  }
  let event: DeliveryEvent;
  try {
    event = JSON.parse(payload) as DeliveryEvent;
  } catch {
    return json(res, 400, { error: "The body is not JSON" });
  }
  if (typeof event !== "object" || event === null) return json(res, 400, { error: "The body is not an event" });
  const applied = await applyDeliveryEvent(app, header("svix-id"), event);
  return json(res, 200, { ok: true, applied });
}
