import type { IncomingMessage, ServerResponse } from "node:http";
import type { Prisma } from "../generated/prisma/client.js";
import type { App } from "../deps.js";
import { requireMember } from "../services/actors.js";
import { authenticate, bearerSecret } from "../services/auth.js";
import { getConversation, reopenConversation, resolveConversation } from "../services/conversations.js";
import { submitCsatAnswer, type SubmitOutcome } from "../services/csat/answers.js";
import { normalizeId } from "../tokens.js";
import { handleUnsubscribe, UNSUBSCRIBE_PATH } from "./unsubscribe.js";
import { enforceRate, HttpError, readJsonObject, sendError, sendJson } from "./json.js";

const SUBMIT_STATUS: Record<SubmitOutcome, number> = { ACCEPTED: 200, ALREADY_SUBMITTED: 409, EXPIRED: 410, NOT_FOUND: 404 };

const withSurvey = { include: { csatSurvey: true } } as const;

type ConversationWithSurvey = Prisma.ConversationGetPayload<typeof withSurvey>;

/** The conversation as the REST API shows it; `known` when the caller has it already (a first resolve). */
export async function conversationJson(app: App, actor: Awaited<ReturnType<typeof authenticate>>, id: string, known?: ConversationWithSurvey) {
  // One statement: the survey comes with the conversation (getConversation returns what the query includes).
  const c = known ?? ((await getConversation(app, actor ?? null, id, withSurvey)) as ConversationWithSurvey);
  const s = c.csatSurvey;
  return {
    id: c.id,
    status: c.status.toLowerCase(),
    resolvedAt: c.resolvedAt,
    csatSurvey: s && {
      id: s.id,
      state: s.state,
      resolvedVia: s.resolvedVia,
      dueAt: s.dueAt,
      dispatchedAt: s.dispatchedAt,
      expiresAt: s.expiresAt,
      deliveredToWidget: s.deliveredToWidget,
      emailed: s.emailed,
      score: s.score,
      comment: s.comment,
      answeredAt: s.answeredAt,
      answeredVia: s.answeredVia,
    },
  };
}

/** `PATCH /api/conversations/:id` with `{"status":"resolved"|"open", "skipCsat"?: boolean}`. */
async function patchConversation(app: App, req: IncomingMessage, res: ServerResponse, id: string) {
  // The door is for members (the policy's rule, as the services apply it), asked before the body is read.
  const actor = requireMember((await authenticate(app, bearerSecret(req.headers.authorization))) ?? null);
  if (actor.kind === "apiKey") await enforceRate(app.limits.apiKey, actor.apiKeyId);
  const body = await readJsonObject(req);
  const status = typeof body.status === "string" ? body.status.toLowerCase() : undefined;
  if (status !== "resolved" && status !== "open") {
    throw new HttpError(400, { error: 'status must be "resolved" or "open"' });
  }
  if (body.skipCsat !== undefined && typeof body.skipCsat !== "boolean") {
    throw new HttpError(400, { error: "skipCsat must be true or false" });
  }
  if (status === "resolved") {
    const r = await resolveConversation(app, actor, id, { via: "API", skipCsat: body.skipCsat === true });
    sendJson(res, 200, await conversationJson(app, actor, id, r.resolved));
    return;
  }
  await reopenConversation(app, actor, id);
  sendJson(res, 200, await conversationJson(app, actor, id));
}

/** `POST /api/csat/submit` with `{"token","score","comment"?,"reason"?}`: public, decided by the token. */
async function submit(app: App, req: IncomingMessage, res: ServerResponse) {
  await enforceRate(app.limits.publicToken, app.limits.clientIp(req));
  const body = await readJsonObject(req);
  if (typeof body.token !== "string") throw new HttpError(400, { error: "token must be a string" });
  if (typeof body.score !== "number") throw new HttpError(400, { error: "score must be a whole number from 1 to 5" });
  if (body.comment !== undefined && body.comment !== null && typeof body.comment !== "string") {
    throw new HttpError(400, { error: "comment must be a string" });
  }
  if (body.reason !== undefined && body.reason !== null && typeof body.reason !== "string") {
    throw new HttpError(400, { error: "reason must be a string" });
  }
  const { outcome } = await submitCsatAnswer(app, {
    token: body.token,
    score: body.score,
    comment: body.comment as string | null | undefined,
    reason: body.reason as string | null | undefined,
    via: "API",
  });
  sendJson(res, SUBMIT_STATUS[outcome], { outcome });
}

/** Handles the REST routes; false when the path is not one of them. */
export async function handleRest(app: App, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const unsubscribeLink = UNSUBSCRIBE_PATH.exec(path);
  if (unsubscribeLink) {
    await handleUnsubscribe(app, req, res, unsubscribeLink[1]!);
    return true;
  }
  const conversation = /^\/api\/conversations\/([^/]+)$/.exec(path);
  const isSubmit = path === "/api/csat/submit";
  if (!conversation && !isSubmit) return false;
  const method = conversation ? "PATCH" : "POST";
  if (req.method !== method) {
    sendJson(res, 405, { error: `Use ${method}` }, { allow: method });
    return true;
  }
  try {
    if (conversation) await patchConversation(app, req, res, normalizeId(conversation[1]!));
    else await submit(app, req, res);
  } catch (err) {
    sendError(res, err);
  }
  return true;
}
