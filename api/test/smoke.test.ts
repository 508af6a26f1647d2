import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

describe.each(DB_KINDS)("smoke on %s", (db) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ db });
  });
  afterAll(() => server?.stop());

  it("resolves a conversation and creates one dispatched survey", async () => {
    const ws = await createWorkspaceFixture(server.url);
    await enableCsat(server.url, ws.token);
    const id = await createConversation(server.url, ws);
    const data = await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { status csatSurvey { state } } }`, { id }, ws.token);
    expect(data.resolveConversation).toEqual({ status: "RESOLVED", csatSurvey: { state: "DISPATCHED" } });
  });
});
