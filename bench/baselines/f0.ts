// Baseline F0: the floor. node:http and pg, no framework: POST /api/csat/submit and
// PATCH /api/conversations/:id doing what Hydra's REST routes do (see sql.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { authenticate, BadInput, openPool, resolveConversation, submitAnswer, type Outcome } from "./sql.js";

const pool = openPool();
const STATUS: Record<Outcome, number> = { ACCEPTED: 200, ALREADY_SUBMITTED: 409, EXPIRED: 410, NOT_FOUND: 404 };

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BadInput("Body must be a JSON object");
  return value as Record<string, unknown>;
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? "/").split("?")[0]!;
  if (path === "/healthz") return send(res, 200, { ok: true });
  if (path === "/api/csat/submit" && req.method === "POST") {
    const body = await readJson(req);
    const { outcome } = await submitAnswer(pool, { token: body.token, score: body.score, comment: body.comment }, "API");
    return send(res, STATUS[outcome], { outcome });
  }
  const conversation = /^\/api\/conversations\/([^/]+)$/.exec(path);
  if (conversation && req.method === "PATCH") {
    const workspaceId = await authenticate(pool, req.headers.authorization);
    if (!workspaceId) return send(res, 401, { error: "Sign in first" });
    const body = await readJson(req);
    if (body.status !== "resolved") return send(res, 400, { error: 'status must be "resolved"' });
    const c = await resolveConversation(pool, workspaceId, conversation[1]!, "API");
    if (!c) return send(res, 404, { error: "No such conversation" });
    return send(res, 200, { ...c, status: c.status.toLowerCase() });
  }
  send(res, 404, { error: "Not found" });
}

createServer((req, res) => {
  handle(req, res).catch((err) => send(res, err instanceof BadInput || err instanceof SyntaxError ? 400 : 500, { error: (err as Error).message }));
}).listen(Number(process.env.PORT ?? 4100));
