import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startTestServer, type TestServer } from "../testkit/server.js";
import { statementsOf } from "../testkit/statements.js";

// The SQL each hot operation sends (this file's server runs in this process, over PostgreSQL): an
// N+1 or an extra round trip fails here before it shows in a bench.
describe("SQL statements per operation (PostgreSQL)", () => {
  let server: TestServer;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db: "postgres" });
    ws = await createWorkspaceFixture(server.url);
    await enableCsat(server.url, ws.token, 0);
  });
  afterAll(() => server?.stop());

  const resolve = (id: string) =>
    gqlOk(
      server.url,
      `mutation($id: ID!) { resolveConversation(id: $id) { id status csatSurvey { id state deliveredToWidget emailed } } }`,
      { id },
      ws.token,
    );

  it("resolving dispatches the survey and writes its email in one transaction of four statements, with nothing read back", async () => {
    const id = await createConversation(server.url, ws, { name: "Casey", email: "casey@example.com" });
    const sql = await statementsOf(() => resolve(id));
    // authenticate, BEGIN, lock with settings, update, survey + email, COMMIT
    expect(sql).toHaveLength(6);
    expect(sql.filter((s) => /^\s*(BEGIN|COMMIT)/.test(s))).toHaveLength(2);
  });

  it("a resolve answers with the same fields a read gives, whether or not its selection needs more than it wrote", async () => {
    const SURVEY = "csatSurvey { id state dueAt dispatchedAt expiresAt deliveredToWidget emailed score comment answeredAt answeredVia resolvedVia }";
    const SCALARS = `id status createdAt updatedAt resolvedAt ${SURVEY}`;
    const MORE = `${SCALARS} customer { name email } messages { body } channel { name } bot { name }`;
    for (const [selection, statementsExpected] of [[SCALARS, 6], [MORE, 7]] as const) {
      const id = await createConversation(server.url, ws, { name: "Avery", email: "avery@example.com" });
      let resolved: { resolveConversation: Record<string, unknown> } | undefined;
      const sql = await statementsOf(async () => {
        resolved = await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { ${selection} } }`, { id }, ws.token);
      });
      // The fast path reads nothing back; a selection with more relations reads them all in one statement.
      expect(sql).toHaveLength(statementsExpected);
      const read = await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { ${selection} } }`, { id }, ws.token);
      expect(resolved!.resolveConversation).toEqual(read.conversation);
      expect(read.conversation).toMatchObject({ status: "RESOLVED", csatSurvey: { state: "DISPATCHED", emailed: true, resolvedVia: "INBOX" } });
    }
    // Resolving again changes nothing and reads the conversation back.
    const id = await createConversation(server.url, ws, { name: "Blake", email: null });
    const first = await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { ${SCALARS} } }`, { id }, ws.token);
    const again = await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { ${SCALARS} } }`, { id }, ws.token);
    expect(again).toEqual(first);
    expect(first.resolveConversation.csatSurvey).toMatchObject({ state: "DISPATCHED", emailed: false });
  });

  it("an accepted answer is one statement", async () => {
    const id = await createConversation(server.url, ws, { name: "Robin", email: "robin@example.com" });
    await resolve(id);
    const email = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { to: "robin@example.com" } });
    const token = tokenFromEmail(email.html);
    const sql = await statementsOf(() =>
      gqlOk(server.url, `mutation($t: String!) { submitCsat(token: $t, score: 5) { outcome survey { score } } }`, { t: token }),
    );
    expect(sql).toHaveLength(1);
  });

  it("list fields load their relations with the list, however long it is", async () => {
    const lists = {
      inbox: `{ conversations(first: 50) { id customer { name } channel { name } bot { name } lastMessage { body fromCustomer } csatSurvey { state } } }`,
      inboxWithMessages: `{ conversations(first: 50) { id messages { body } lastMessage { body } } }`,
      outbox: `{ emailOutbox(first: 50) { id survey { state } } }`,
      audit: `{ auditLog(first: 50) { id actor { name } } }`,
    };
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const [name, q] of Object.entries(lists)) out[name] = (await statementsOf(() => gqlOk(server.url, q, {}, ws.token))).length;
      return out;
    };
    const before = await counts();
    // authenticate, then the list with its relations
    // authenticate, then the list with its relations (asking for messages and lastMessage at once
    // loads the newest messages in a second statement for the whole list)
    expect(before).toEqual({ inbox: 2, inboxWithMessages: 3, outbox: 2, audit: 2 });
    for (let i = 0; i < 3; i++) await resolve(await createConversation(server.url, ws, { name: `More ${i}`, email: `more${i}@example.com` }));
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { delayMinutes: 60 }) { enabled } }`, {}, ws.token);
    expect(await counts()).toEqual(before);
  });
});
