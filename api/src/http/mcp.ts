import type { IncomingMessage, ServerResponse } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { DomainError } from "../errors.js";
import type { Member } from "../services/actors.js";
import { requireMember } from "../services/actors.js";
import type { App } from "../deps.js";
import { authenticate, bearerSecret } from "../services/auth.js";
import { reopenConversation, resolveConversation } from "../services/conversations.js";
import { csatReport, recentComments } from "../services/reports/report.js";
import { CSAT_RANGES, parseCsatWindow } from "../services/reports/windows.js";
import { normalizeId } from "../tokens.js";
import { browserOrigins } from "./headers.js";
import { enforceRate, readBody, sendError, sendJson, HttpError } from "./json.js";

const text = (t: string, isError = false) => ({ content: [{ type: "text" as const, text: t }], ...(isError ? { isError } : {}) });

/** Runs a tool body, turning domain errors (not found, bad input) into tool errors the agent can read. */
async function tool(run: () => Promise<string>) {
  try {
    return text(await run());
  } catch (err) {
    if (err instanceof DomainError) return text(`${err.code}: ${err.message}`, true);
    throw err;
  }
}

function createMcpServer(app: App, actor: Member): McpServer {
  const server = new McpServer({ name: "hydra-csat", version: "0.1.0" });
  server.registerTool(
    "close_conversation",
    {
      description:
        "Resolve a support conversation, exactly as the inbox's Resolve button does. With CSAT on, the first resolve creates the customer's satisfaction survey.",
      inputSchema: {
        conversation_id: z.string().describe("The conversation's id"),
        skip_csat: z.boolean().optional().describe("Resolve without a survey"),
      },
    },
    ({ conversation_id, skip_csat }) =>
      tool(async () => {
        const r = await resolveConversation(app, actor, normalizeId(conversation_id), { via: "MCP", skipCsat: skip_csat ?? false });
        const what = r.changed ? "resolved" : "was already resolved";
        const survey = r.surveyCreated ? "a CSAT survey was created" : "no CSAT survey was created";
        return `Conversation ${conversation_id} ${what}; ${survey}.`;
      }),
  );
  server.registerTool(
    "reopen_conversation",
    {
      description: "Reopen a resolved conversation. A survey not yet sent waits until the conversation is resolved again.",
      inputSchema: { conversation_id: z.string().describe("The conversation's id") },
    },
    ({ conversation_id }) =>
      tool(async () => {
        const r = await reopenConversation(app, actor, normalizeId(conversation_id));
        return `Conversation ${conversation_id} ${r.changed ? "reopened" : "was already open"}.`;
      }),
  );
  server.registerTool(
    "csat_report",
    {
      description:
        "Customer satisfaction figures by dispatch time, exactly as the Reports page shows them: totals, per bot and per channel (average rating 1–5, response rate 0–1, satisfied rate 0–1 = share of answers rated 4 or 5, surveys sent and submitted, count per score), the same for the previous period of equal length (null for ALL_TIME), and recent comments. LAST_N_DAYS means the last N×24 hours up to now; CUSTOM needs from and to.",
      inputSchema: {
        range: z.enum(CSAT_RANGES),
        from: z.string().optional().describe("With range CUSTOM: the first instant, ISO 8601 (inclusive)"),
        to: z.string().optional().describe("With range CUSTOM: the end, ISO 8601 (exclusive)"),
      },
    },
    ({ range, from, to }) =>
      tool(async () => {
        const report = await csatReport(app, actor, range, parseCsatWindow({ from, to }), { comments: 20 });
        const comments = await recentComments(app, report, 20);
        return JSON.stringify(
          {
            range: report.range,
            from: report.from,
            to: report.to,
            totals: report.totals,
            byBot: report.byBot,
            byChannel: report.byChannel,
            previous: report.previous,
            recentComments: comments.map((c) => ({
              score: c.score,
              comment: c.comment,
              answeredAt: c.answeredAt,
              bot: c.bot?.name ?? null,
              channel: c.channel?.name ?? null,
            })),
          },
          null,
          2,
        );
      }),
  );
  return server;
}

/**
 * Browsers may call /mcp only from PUBLIC_URL's origin or ALLOWED_ORIGINS (never from whatever the
 * Host header names: a rebound DNS name would name itself). Requests without Origin (agents, servers) pass.
 */
function originAllowed(req: IncomingMessage, app: App): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  return browserOrigins(app.config).has(origin);
}

/** `POST /mcp`: the MCP server over Streamable HTTP, stateless, one server per request. */
export async function handleMcp(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (!originAllowed(req, app)) throw new HttpError(403, { error: "Origin not allowed" });
    const authenticated = (await authenticate(app, bearerSecret(req.headers.authorization))) ?? null;
    if (!authenticated) res.setHeader("www-authenticate", 'Bearer realm="hydra-csat"');
    // The tools are for members (the policy's rule, as the services apply it): 401 without a key, 403 for a visitor.
    const actor = requireMember(authenticated);
    if (actor.kind === "apiKey") await enforceRate(app.limits.apiKey, actor.apiKeyId);
    if (req.method !== "POST") {
      sendJson(res, 405, { error: "Use POST (stateless Streamable HTTP)" }, { allow: "POST" });
      return;
    }
    const raw = await readBody(req, 1024 * 1024);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new HttpError(400, { error: "Body must be JSON-RPC" });
    }
    const server = createMcpServer(app, actor);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  } catch (err) {
    sendError(res, err);
  }
}
