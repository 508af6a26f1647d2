import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

/** Every page of a newest-first list paged by `after` (the last id), `first` at a time. */
async function walk(server: TestServer, token: string, field: "auditLog" | "emailOutbox", first: number) {
  const pages: string[][] = [];
  let after: string | null = null;
  for (;;) {
    const data: Record<string, { id: string }[]> = await gqlOk(
      server.url,
      `query($first: Int, $after: ID) { ${field}(first: $first, after: $after) { id } }`,
      { first, after },
      token,
    );
    const page = data[field]!.map((e) => e.id);
    if (!page.length) return pages;
    pages.push(page);
    after = page.at(-1)!;
  }
}

describe.each(DB_KINDS)("the audit log and the outbox page on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;
  let other: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Acme");
    other = await createWorkspaceFixture(server.url, "Other");
    await enableCsat(server.url, ws.token, 0);
    for (let i = 0; i < 7; i++) {
      await gqlOk(server.url, `mutation($d: Int!) { updateCsatSettings(input: { reminderAfterDays: $d }) { reminderAfterDays } }`, { d: i }, ws.token);
      const id = await createConversation(server.url, ws, { name: `C${i}`, email: `c${i}@example.com` });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    }
    await enableCsat(server.url, other.token, 0);
  }, 120_000);
  afterAll(() => server?.stop());

  for (const field of ["auditLog", "emailOutbox"] as const) {
    it(`${field}: pages newest first, each entry once, and refuses a cursor not its own`, async () => {
      const all = (await gqlOk(server.url, `{ ${field}(first: 100) { id createdAt } }`, {}, ws.token))[field] as { id: string; createdAt: string }[];
      expect(all.length).toBeGreaterThanOrEqual(7);
      const pages = await walk(server, ws.token, field, 3);
      expect(pages.flat()).toEqual(all.map((e) => e.id));
      expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
      const bad = async (after: string, token = ws.token) =>
        codes(await gql(server.url, `query($after: ID) { ${field}(after: $after) { id } }`, { after }, token));
      expect(await bad("nonsense")).toEqual(["BAD_USER_INPUT"]);
      expect(await bad("00000000-0000-4000-8000-000000000000")).toEqual(["BAD_USER_INPUT"]);
      // Another workspace's entry is as unknown as a made-up one.
      expect(await bad(all[0]!.id, other.token)).toEqual(["BAD_USER_INPUT"]);
    });
  }

  it("the outbox names each email's conversation", async () => {
    const data = await gqlOk(server.url, `{ emailOutbox(first: 100) { to conversationId } }`, {}, ws.token);
    const rows = data.emailOutbox as { to: string; conversationId: string }[];
    expect(rows.length).toBe(7);
    const conversations = await server.running.app.prisma.conversation.findMany({
      where: { workspaceId: ws.workspaceId },
      select: { id: true, customer: { select: { email: true } } },
    });
    for (const row of rows) {
      expect(conversations.find((c) => c.id === row.conversationId)?.customer.email).toBe(row.to);
    }
  });
});
