import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError, type ErrorCode } from "../errors.js";
import type { RateLimiter } from "./rateLimit.js";

export const MAX_BODY_BYTES = 16 * 1024;
/** GraphQL documents with their variables: generous for real operations, small for abuse. */
export const MAX_GRAPHQL_BODY_BYTES = 64 * 1024;

/** A request the client got wrong, answered with `status` and a JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.error ?? status));
  }
}

/** Spends one request of `key`'s allowance, or answers 429 with Retry-After. */
export async function enforceRate(limiter: RateLimiter, key: string): Promise<void> {
  const decision = await limiter.take(key);
  if (!decision.ok) {
    throw new HttpError(
      429,
      { error: `Too many requests; try again in ${decision.retryAfterSeconds} s`, code: "RATE_LIMITED" },
      { "retry-after": String(decision.retryAfterSeconds) },
    );
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Reads the whole body, refusing more than `limit` bytes with 413. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new HttpError(413, { error: `Request body is larger than ${limit} bytes` });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, { error: `Request body is larger than ${limit} bytes` });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as a JSON object, or 400. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, { error: "Body must be JSON" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, { error: "Body must be a JSON object" });
  }
  return value as Record<string, unknown>;
}

const STATUS_OF: Record<ErrorCode, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, RATE_LIMITED: 429 };

/** Domain and HTTP errors become their status with `{"error": message}`; anything else rethrows. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return sendJson(res, err.status, err.body, err.headers);
  if (err instanceof DomainError) {
    const retryAfter = err.extensions.retryAfter;
    return sendJson(res, STATUS_OF[err.code], { error: err.message, code: err.code }, typeof retryAfter === "number" ? { "retry-after": String(retryAfter) } : {});
  }
  throw err;
}
