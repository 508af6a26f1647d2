import { randomBytes } from "node:crypto";
import { gqlOk } from "./client.js";

export interface WorkspaceFixture {
  workspaceId: string;
  adminId: string;
  /** The admin's session token. */
  token: string;
  adminEmail: string;
  channelId: string;
  botId: string;
}

/** A workspace with its admin, one bot and one web-widget channel, made through the public API. */
export async function createWorkspaceFixture(url: string, name = "Acme"): Promise<WorkspaceFixture> {
  const adminEmail = `admin-${randomBytes(4).toString("hex")}@${name.toLowerCase().replace(/\W/g, "")}.test`;
  const created = await gqlOk(
    url,
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { token workspace { id } admin { id } } }`,
    { input: { name, adminEmail, adminName: `${name} Admin`, password: "correct horse battery" } },
  );
  const token = created.createWorkspace.token as string;
  const bot = await gqlOk(url, `mutation { createBot(name: "Ava") { id } }`, {}, token);
  const channel = await gqlOk(url, `mutation { createChannel(name: "Website chat", kind: WEB_WIDGET) { id } }`, {}, token);
  return {
    workspaceId: created.createWorkspace.workspace.id,
    adminId: created.createWorkspace.admin.id,
    token,
    adminEmail,
    channelId: channel.createChannel.id,
    botId: bot.createBot.id,
  };
}

export async function createConversation(
  url: string,
  ws: WorkspaceFixture,
  customer: { name: string; email?: string | null } = { name: "Casey Customer" },
): Promise<string> {
  const data = await gqlOk(
    url,
    `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
    { input: { channelId: ws.channelId, botId: ws.botId, customer, firstMessage: "Hello, I need help" } },
    ws.token,
  );
  return data.createConversation.id;
}

export async function enableCsat(url: string, token: string, delayMinutes = 0): Promise<void> {
  await gqlOk(
    url,
    `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { enabled } }`,
    { input: { enabled: true, delayMinutes } },
    token,
  );
}

/** The survey token in a survey email's rating link (`…/csat/<32 hex>`); throws when the email has none. */
export function tokenFromEmail(html: string): string {
  const token = /\/csat\/([0-9a-f]{32})(?![0-9a-f])/.exec(html)?.[1];
  if (!token) throw new Error("no survey link in the email");
  return token;
}
