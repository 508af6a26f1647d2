import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

/** Issue 16 part 4: a report's recent comments lead to their conversation and customer. */
describe.each(DB_KINDS)("recent comments name their conversation and customer on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Comments");
    await enableCsat(server.url, ws.token, 0);
  });
  afterAll(() => server?.stop());

  it("carries conversationId, customerName and customerEmail, in a CUSTOM window too", async () => {
    const answered: string[] = [];
    for (const [name, email, comment] of [
      ["Nia", "nia@example.com", "Very helpful"],
      ["Oto", "oto@example.com", "Too slow"],
    ] as const) {
      const id = await createConversation(server.url, ws, { name, email });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      const email_ = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId: id } } });
      await gqlOk(server.url, `mutation($t: String!, $c: String) { submitCsat(token: $t, score: 3, comment: $c) { outcome } }`, {
        t: tokenFromEmail(email_.html),
        c: comment,
      });
      answered.push(id);
    }
    const query = `query($range: CsatRange!, $from: DateTime, $to: DateTime) {
      csatReport(range: $range, from: $from, to: $to) { recentComments { conversationId customerName customerEmail comment } }
    }`;
    const all = await gqlOk(server.url, query, { range: "ALL_TIME" }, ws.token);
    const byComment = (list: { comment: string }[]) => [...list].sort((a, b) => a.comment.localeCompare(b.comment));
    expect(byComment(all.csatReport.recentComments)).toEqual([
      { conversationId: answered[1], customerName: "Oto", customerEmail: "oto@example.com", comment: "Too slow" },
      { conversationId: answered[0], customerName: "Nia", customerEmail: "nia@example.com", comment: "Very helpful" },
    ]);
    const now = Date.now();
    const custom = await gqlOk(
      server.url,
      query,
      { range: "CUSTOM", from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() },
      ws.token,
    );
    expect(custom.csatReport.recentComments).toHaveLength(2);
    const past = await gqlOk(server.url, query, { range: "CUSTOM", from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z" }, ws.token);
    expect(past.csatReport.recentComments).toEqual([]);
  });
});
