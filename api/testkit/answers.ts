import { gqlOk } from "./client.js";
import { tokenFromEmail, type WorkspaceFixture } from "./fixtures.js";
import type { TestServer } from "./server.js";

/**
 * A conversation started, resolved (its survey dispatched at once: CSAT on with no delay) and
 * answered, all through the public API. The resolving teammate (the fixture's admin) is credited at
 * dispatch; `teammateId` (a teammate, or null for no one) overrides that before the answer, for
 * filters and follow-up owners. Returns the survey's and the conversation's ids.
 */
export async function createAnsweredSurvey(
  server: TestServer,
  fixture: WorkspaceFixture,
  answer: { customer: { name: string; email: string }; score: number; comment?: string | null; botId?: string | null; teammateId?: string | null },
): Promise<{ surveyId: string; conversationId: string }> {
  const input = {
    channelId: fixture.channelId,
    ...(answer.botId === null ? {} : { botId: answer.botId ?? fixture.botId }),
    customer: answer.customer,
    firstMessage: "Hello, I need help",
  };
  const created = await gqlOk(server.url, `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`, { input }, fixture.token);
  const conversationId = created.createConversation.id as string;
  const resolved = await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { csatSurvey { id } } }`, { id: conversationId }, fixture.token);
  const surveyId = resolved.resolveConversation.csatSurvey.id as string;
  const prisma = server.running.app.prisma;
  if (answer.teammateId !== undefined) await prisma.csatSurvey.update({ where: { id: surveyId }, data: { teammateId: answer.teammateId } });
  const email = await prisma.emailOutbox.findFirstOrThrow({ where: { surveyId } });
  const submitted = await gqlOk(server.url, `mutation($t: String!, $s: Int!, $c: String) { submitCsat(token: $t, score: $s, comment: $c) { outcome } }`, {
    t: tokenFromEmail(email.html),
    s: answer.score,
    c: answer.comment ?? null,
  });
  if (submitted.submitCsat.outcome !== "ACCEPTED") throw new Error(`the answer was not accepted: ${submitted.submitCsat.outcome}`);
  return { surveyId, conversationId };
}
