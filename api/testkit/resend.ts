import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmailSender } from "../src/services/outbox.js";

export interface ReceivedEmail {
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  body: { from: string; to: string | string[]; subject: string; html: string; text: string };
}

/**
 * A local stand-in for Resend's API (POST /emails), for the real `resend` SDK to talk to. It
 * answers a repeated Idempotency-Key as Resend does (same id, no second email), and can fail the
 * first `failures` requests with 500.
 */
export async function startResendStandIn(options: { failures?: number } = {}) {
  let failuresLeft = options.failures ?? 0;
  const requests: ReceivedEmail[] = [];
  const delivered = new Map<string, ReceivedEmail>();
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const email: ReceivedEmail = {
      idempotencyKey: req.headers["idempotency-key"] as string | undefined,
      authorization: req.headers.authorization,
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
    };
    requests.push(email);
    if (req.method !== "POST" || req.url !== "/emails") {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ name: "not_found", message: "no route", statusCode: 404 }));
      return;
    }
    if (failuresLeft > 0) {
      failuresLeft--;
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: "internal_server_error", message: "stand-in failure", statusCode: 500 }));
      return;
    }
    const key = email.idempotencyKey ?? `none-${requests.length}`;
    if (!delivered.has(key)) delivered.set(key, email);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: `email_${[...delivered.keys()].indexOf(key) + 1}` }));
  });
  // Keep idle connections longer than the client does, so a reused socket is never closed under it.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** One entry per idempotency key: the emails a customer would receive. */
    delivered,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A sender that holds every call until `release()`: `sending` lists the emails claimed and not yet sent. */
export function heldSender() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const sending: { id: string; to: string }[] = [];
  const sender: EmailSender = {
    async send(email) {
      sending.push({ id: email.id, to: email.to });
      await released;
      return { ok: true, id: `held_${email.id}` };
    },
  };
  return { sender, sending, release };
}
