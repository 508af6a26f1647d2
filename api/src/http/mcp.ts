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
import { getCsatFollowUp, updateCsatFollowUp } from "../services/csat/followUps.js";
import { countCsatResponses, inOrder, listCsatResponses, loadCsatSurveys } from "../services/csat/responses.js";
import { CsatFollowUpStatus } from "../generated/prisma/enums.js";
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
  server.registerTool(
    "list_csat_responses",
    {
      description:
        "Answered CSAT surveys, newest answer first, exactly as the Responses page lists them: score 1–5, comment, reason, bot, channel, credited teammate, customer, follow-up status and the conversation's id. Filters by dispatch time (range, or CUSTOM from/to), bot, channel, teammate (an id, or \"none\" for unattributed), scores, has_comment, reason and search (words in the comment or the customer's name or email). Pass the returned end_cursor as after for the next page.",
      inputSchema: {
        range: z.enum(CSAT_RANGES).optional().describe("Default ALL_TIME"),
        from: z.string().optional().describe("With range CUSTOM: the first instant, ISO 8601 (inclusive)"),
        to: z.string().optional().describe("With range CUSTOM: the end, ISO 8601 (exclusive)"),
        bot_id: z.string().optional().describe('A bot\'s id, or "none"'),
        channel_id: z.string().optional().describe('A channel\'s id, or "none"'),
        teammate_id: z.string().optional().describe('A teammate\'s id, or "none"'),
        scores: z.array(z.number().int()).optional().describe("Only these scores (1–5)"),
        has_comment: z.boolean().optional(),
        reason: z.string().optional(),
        search: z.string().optional(),
        first: z.number().int().optional().describe("How many (default 20, at most 100)"),
        after: z.string().optional().describe("The end_cursor of the page before"),
      },
    },
    (input) =>
      tool(async () => {
        const window = parseCsatWindow({ from: input.from, to: input.to });
        const filter = {
          range: input.range, from: window.from, to: window.to, botId: input.bot_id, channelId: input.channel_id,
          teammateId: input.teammate_id, scores: input.scores, hasComment: input.has_comment, reason: input.reason, search: input.search,
        };
        const page = await listCsatResponses(app, actor, { filter, first: input.first ?? 20, after: input.after });
        const surveys = await loadCsatSurveys(app, page, {
          include: {
            bot: { select: { name: true } },
            channel: { select: { name: true } },
            teammate: { select: { name: true } },
            conversation: { select: { customer: { select: { name: true, email: true } } } },
            followUp: { select: { id: true, status: true } },
          },
        });
        return JSON.stringify(
          {
            total_count: await countCsatResponses(app, page),
            end_cursor: page.endCursor,
            has_next_page: page.hasNextPage,
            answers: inOrder(page.edges.map((e) => e.id), surveys).map((s) => ({
              survey_id: s.id,
              conversation_id: s.conversationId,
              score: s.score,
              comment: s.comment,
              reason: s.reason,
              answered_at: s.answeredAt,
              dispatched_at: s.dispatchedAt,
              bot: s.bot?.name ?? null,
              channel: s.channel?.name ?? null,
              teammate: s.teammate?.name ?? null,
              customer: s.conversation.customer,
              follow_up: s.followUp,
            })),
          },
          null,
          2,
        );
      }),
  );
  server.registerTool(
    "update_csat_follow_up",
    {
      description:
        "Change a follow-up of a low CSAT answer, as the Follow-ups page does: its status (OPEN, CONTACTED, DONE), its owner (an active teammate's id) or its note (up to 2,000 characters). The change is recorded with who made it and when.",
      inputSchema: {
        follow_up_id: z.string().describe("The follow-up's id"),
        status: z.enum(CsatFollowUpStatus).optional(),
        owner_id: z.string().nullable().optional().describe("An active teammate's id; null for no owner"),
        note: z.string().nullable().optional(),
      },
    },
    ({ follow_up_id, status, owner_id, note }) =>
      tool(async () => {
        const id = await updateCsatFollowUp(app, actor, normalizeId(follow_up_id), {
          status,
          ...(owner_id !== undefined ? { ownerId: owner_id } : {}),
          ...(note !== undefined ? { note } : {}),
        });
        const f = await getCsatFollowUp(app, actor, id, { include: { owner: { select: { id: true, name: true } } } });
        return JSON.stringify({ id: f.id, survey_id: f.surveyId, status: f.status, owner: f.owner, note: f.note, updated_at: f.updatedAt }, null, 2);
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
