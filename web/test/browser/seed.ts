import type { createManualClock } from "../../../api/src/clock.js";
import { gqlOk } from "../../../api/testkit/client.js";
import { tokenFromEmail } from "../../../api/testkit/fixtures.js";
import type { TestServer } from "../../../api/testkit/server.js";

export const DEMO_ADMIN = "admin@demo.hydra.test";
export const DEMO_PASSWORD = "hydra-demo";
const DAY = 86_400_000;

export async function demoAdminToken(url: string): Promise<string> {
  const signedIn = await gqlOk(url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: DEMO_ADMIN, p: DEMO_PASSWORD });
  return signedIn.signIn.token;
}

export interface SeededAnswer {
  conversationId: string;
  email: string;
  score: number;
  comment: string | null;
  botId: string | null;
}

/**
 * Answered surveys in the demo workspace, spread over the last `days` days of a manual clock that
 * starts that far back and ends at the real now: each entry of `plan` is [days ago, scores…].
 * Every third answer has a comment; entries with `noBot` have no bot (the unattributed row).
 * Returns them with a fresh session token of the demo admin.
 */
export async function seedAnswers(
  server: TestServer,
  clock: ReturnType<typeof createManualClock>,
  plan: { daysAgo: number; scores: number[]; noBot?: boolean }[],
): Promise<{ answers: SeededAnswer[]; token: string }> {
  // Sessions expire as the clock moves on: sign in again after each step.
  let token = await demoAdminToken(server.url);
  const { bots, channels } = await gqlOk(server.url, `{ bots { id name } channels { id name } }`, {}, token);
  await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0 }) { enabled } }`, {}, token);
  const seeded: SeededAnswer[] = [];
  let n = 0;
  const now = Date.now();
  for (const entry of [...plan].sort((a, b) => b.daysAgo - a.daysAgo)) {
    const at = now - entry.daysAgo * DAY;
    if (at > clock.now().getTime()) clock.advance(at - clock.now().getTime());
    token = await demoAdminToken(server.url);
    for (const score of entry.scores) {
      n += 1;
      const email = `customer${n}@example.com`;
      const botId = entry.noBot ? null : bots[n % bots.length].id;
      const created = await gqlOk(
        server.url,
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
        { input: { channelId: channels[n % channels.length].id, botId, customer: { name: `Customer ${n}`, email }, firstMessage: `Question number ${n}` } },
        token,
      );
      const conversationId = created.createConversation.id;
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, token);
      const outbox = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId } } });
      const comment = n % 3 === 0 ? `Comment ${n}: ${score >= 4 ? "great help" : "too slow"}` : null;
      await gqlOk(server.url, `mutation($t: String!, $s: Int!, $c: String) { submitCsat(token: $t, score: $s, comment: $c) { outcome } }`, {
        t: tokenFromEmail(outbox.html),
        s: score,
        c: comment,
      });
      seeded.push({ conversationId, email, score, comment, botId });
    }
  }
  if (Date.now() > clock.now().getTime()) clock.advance(Date.now() - clock.now().getTime());
  return { answers: seeded, token: await demoAdminToken(server.url) };
}
