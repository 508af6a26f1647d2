import type { App } from "../deps.js";
import { hashPassword, newSecret, sha256, TokenPrefix } from "../tokens.js";

export const DEMO_ADMIN_EMAIL = "admin@demo.hydra.test";
export const DEMO_AGENT_EMAIL = "agent@demo.hydra.test";
export const DEMO_PASSWORD = "hydra-demo";

export interface DemoSeed {
  created: boolean;
  workspaceName: string;
  /** Only on the start that created it: its hash is all that is kept. */
  apiKey: string | null;
}

/**
 * Seeds the demo workspace once: an admin and an agent, two bots, two channels and a few open
 * conversations. CSAT starts off, as in every new workspace. Later starts find it and change nothing.
 */
export async function seedDemo(app: App): Promise<DemoSeed> {
  const workspaceName = "Demo Support";
  const existing = await app.prisma.teammate.findUnique({ where: { email: DEMO_ADMIN_EMAIL } });
  if (existing) return { created: false, workspaceName, apiKey: null };
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const apiKey = newSecret(TokenPrefix.ApiKey);
  await app.prisma.$transaction(async (tx) => {
    const ws = await tx.workspace.create({ data: { name: workspaceName, csatSettings: { create: {} } } });
    const admin = await tx.teammate.create({
      data: { workspaceId: ws.id, email: DEMO_ADMIN_EMAIL, name: "Ada Admin", role: "ADMIN", passwordHash },
    });
    await tx.teammate.create({
      data: { workspaceId: ws.id, email: DEMO_AGENT_EMAIL, name: "Alan Agent", role: "AGENT", passwordHash },
    });
    await tx.apiKey.create({
      data: { workspaceId: ws.id, name: "Demo key", prefix: apiKey.slice(0, 8), tokenHash: sha256(apiKey), createdById: admin.id },
    });
    const [ava, billing] = await Promise.all([
      tx.bot.create({ data: { workspaceId: ws.id, name: "Ava" } }),
      tx.bot.create({ data: { workspaceId: ws.id, name: "Billing bot" } }),
    ]);
    const [web, email] = await Promise.all([
      tx.channel.create({ data: { workspaceId: ws.id, name: "Website chat", kind: "WEB_WIDGET" } }),
      tx.channel.create({ data: { workspaceId: ws.id, name: "Support email", kind: "EMAIL" } }),
    ]);
    const starts = [
      { name: "Grace Hopper", email: "grace@example.com", channelId: web.id, botId: ava.id, body: "Hi! My order #1042 hasn't arrived yet." },
      { name: "Linus", email: null, channelId: web.id, botId: ava.id, body: "How do I reset my password?" },
      { name: "Margaret Hamilton", email: "margaret@example.com", channelId: email.id, botId: billing.id, body: "I was charged twice this month." },
    ];
    for (const s of starts) {
      const customer = await tx.customer.create({ data: { workspaceId: ws.id, name: s.name, email: s.email } });
      await tx.conversation.create({
        data: {
          workspaceId: ws.id,
          channelId: s.channelId,
          botId: s.botId,
          customerId: customer.id,
          messages: { create: { workspaceId: ws.id, body: s.body, fromCustomer: true } },
        },
      });
    }
  });
  return { created: true, workspaceName, apiKey };
}
