import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { EmailSender } from "../src/services/outbox.js";

export interface ReceivedEmail {
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  body: { from: string; to: string | string[]; subject: string; html: string; text: string; headers?: Record<string, string> };
  /** The provider's id for it (set once accepted). */
  id?: string;
  /** True when it came in a POST /emails/batch. */
  batch: boolean;
  /** performance.now() when the stand-in accepted it. */
  acceptedAt?: number;
}

export interface StandInOptions {
  /** The first this many requests answer 500. */
  failures?: number;
  /** Requests a second before a 429 with retry-after (token bucket of that size); unlimited when unset. */
  requestsPerSecond?: number;
  /** Requests whose body has an email to an address matching this are refused whole (422), as Resend's strict batch validation does. */
  refuse?: RegExp;
}

/**
 * A local stand-in for Resend's API (POST /emails and POST /emails/batch), for the real `resend`
 * SDK to talk to. It answers a repeated Idempotency-Key as Resend does (same body: the same ids, no
 * second email; another body: 409), can fail the first `failures` requests with 500, enforce a rate
 * (429 with retry-after and ratelimit-reset), refuse a batch for one address (422), or hang.
 */
export async function startResendStandIn(options: StandInOptions = {}) {
  let failuresLeft = options.failures ?? 0;
  /** Emails of the requests that were processed (neither rate-limited nor hung), one entry per email. */
  const requests: ReceivedEmail[] = [];
  /** One entry per email accepted under a new key: what customers would receive. */
  const delivered = new Map<string, ReceivedEmail>();
  const byKey = new Map<string, { hash: string; ids: string[] }>();
  const sockets = new Set<Socket>();
  const state = { hang: false, calls: 0, rateLimited: 0, hung: 0, rps: options.requestsPerSecond ?? 0 };
  let tokens = state.rps;
  let refilledAt = Date.now();
  let nextId = 1;
  const answer = (res: import("node:http").ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    state.calls++;
    const raw = Buffer.concat(chunks).toString("utf8");
    const batch = req.url === "/emails/batch";
    if (req.method !== "POST" || (req.url !== "/emails" && !batch)) {
      return answer(res, 404, { name: "not_found", message: "no route", statusCode: 404 });
    }
    if (state.rps > 0) {
      const now = Date.now();
      tokens = Math.min(state.rps, tokens + ((now - refilledAt) / 1000) * state.rps);
      refilledAt = now;
      if (tokens < 1) {
        state.rateLimited++;
        const wait = Math.max(1, Math.ceil((1 - tokens) / state.rps));
        return answer(res, 429, { name: "rate_limit_exceeded", message: "Too many requests", statusCode: 429 }, {
          "retry-after": String(wait),
          "ratelimit-limit": String(state.rps),
          "ratelimit-remaining": "0",
          "ratelimit-reset": String(wait),
        });
      }
      tokens -= 1;
    }
    if (state.hang) {
      state.hung++;
      return; // never answered
    }
    const key = req.headers["idempotency-key"] as string | undefined;
    const bodies = (batch ? JSON.parse(raw) : [JSON.parse(raw)]) as ReceivedEmail["body"][];
    const emails: ReceivedEmail[] = bodies.map((body) => ({ idempotencyKey: key, authorization: req.headers.authorization, body, batch }));
    requests.push(...emails);
    if (failuresLeft > 0) {
      failuresLeft--;
      return answer(res, 500, { name: "internal_server_error", message: "stand-in failure", statusCode: 500 });
    }
    if (options.refuse && bodies.some((b) => [b.to].flat().some((to) => options.refuse!.test(to)))) {
      return answer(res, 422, { name: "validation_error", message: "Invalid `to` field.", statusCode: 422 });
    }
    const hash = createHash("sha256").update(raw).digest("hex");
    const effectiveKey = key ?? `none-${state.calls}`;
    const seen = byKey.get(effectiveKey);
    if (seen && seen.hash !== hash) {
      return answer(res, 409, { name: "invalid_idempotent_request", message: "Same idempotency key, another body", statusCode: 409 });
    }
    const ids =
      seen?.ids ??
      emails.map((email, i) => {
        const id = `email_${nextId++}`;
        email.id = id;
        email.acceptedAt = performance.now();
        delivered.set(batch ? `${effectiveKey}#${i}` : effectiveKey, email);
        return id;
      });
    byKey.set(effectiveKey, { hash, ids });
    return answer(res, 200, batch ? { data: ids.map((id) => ({ id })) } : { id: ids[0] });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // Keep idle connections longer than the client does, so a reused socket is never closed under it.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const recipients = (e: ReceivedEmail) => [e.body.to].flat().map((to) => to.toLowerCase());
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** One entry per email accepted: the emails customers would receive. */
    delivered,
    /** Counters, and `hang` / `rps` to change the stand-in's behaviour while it runs. */
    state,
    /** How many emails `recipient` would have received. */
    deliveredTo(recipient: string): number {
      return [...delivered.values()].filter((e) => recipients(e).includes(recipient.toLowerCase())).length;
    },
    /** The accepted emails to `recipient`. */
    deliveredEmails(recipient: string): ReceivedEmail[] {
      return [...delivered.values()].filter((e) => recipients(e).includes(recipient.toLowerCase()));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A sender that holds every call until `release()`: `sending` lists the emails claimed and not yet sent. */
export function heldSender() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const sending: { to: string }[] = [];
  const sender: EmailSender = {
    async sendBatch(emails) {
      sending.push(...emails.map((email) => ({ to: email.to })));
      await released;
      return { ok: true, ids: emails.map((_, i) => `held_${i}`) };
    },
  };
  return { sender, sending, release };
}
