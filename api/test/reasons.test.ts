import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

const SUBMIT = `mutation($t: String!, $s: Int!, $r: String) { submitCsat(token: $t, score: $s, reason: $r) { outcome survey { score } } }`;

describe.each(DB_KINDS)("reasons behind a low score, and the rating page, on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Acme");
    await enableCsat(server.url, ws.token, 0);
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { reasons: ["Too slow", "Not solved"], reasonsAtOrBelow: 3 }) { enabled } }`, {}, ws.token);
  });
  afterAll(() => server?.stop());

  async function surveyToken(name: string): Promise<{ id: string; token: string }> {
    const id = await createConversation(server.url, ws, { name, email: `${name.toLowerCase()}@example.com` });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
    const email = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId: id } } });
    return { id, token: tokenFromEmail(email.html) };
  }
  const surveyOf = (conversationId: string) => server.running.app.prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId } });

  it("offers the reasons with the threshold, stores a reason given at or below it, refuses anything else and changes nothing", async () => {
    const { id, token } = await surveyToken("Ann");
    const offered = await gqlOk(server.url, `query($t: String!) { csatSurveyByToken(token: $t) { reasons reasonsAtOrBelow } }`, { t: token });
    expect(offered.csatSurveyByToken).toEqual({ reasons: ["Too slow", "Not solved"], reasonsAtOrBelow: 3 });

    expect(codes(await gql(server.url, SUBMIT, { t: token, s: 2, r: "Rude" }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await gql(server.url, SUBMIT, { t: token, s: 4, r: "Too slow" }))).toEqual(["BAD_USER_INPUT"]);
    const rest = await fetch(`${server.url}/api/csat/submit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, score: 1, reason: "Unknown" }),
    });
    expect(rest.status).toBe(400);
    expect(await surveyOf(id)).toMatchObject({ answeredAt: null, reason: null, score: null });

    expect((await gqlOk(server.url, SUBMIT, { t: token, s: 2, r: "Not solved" })).submitCsat).toEqual({ outcome: "ACCEPTED", survey: { score: 2 } });
    expect(await surveyOf(id)).toMatchObject({ score: 2, reason: "Not solved" });
    const seen = await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { csatSurvey { reason locale } } }`, { id }, ws.token);
    expect(seen.conversation.csatSurvey).toEqual({ reason: "Not solved", locale: "en" });

    const viaRest = await surveyToken("Bob");
    const ok = await fetch(`${server.url}/api/csat/submit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: viaRest.token, score: 3, reason: "Too slow" }),
    });
    expect(ok.status).toBe(200);
    expect(await surveyOf(viaRest.id)).toMatchObject({ score: 3, reason: "Too slow", answeredVia: "API" });
  });

  it("reports byReason for the range and exports a reason column", async () => {
    const { token } = await surveyToken("Cid");
    await gqlOk(server.url, SUBMIT, { t: token, s: 1, r: "Not solved" });
    const report = await gqlOk(
      server.url,
      `{ all: csatReport(range: ALL_TIME) { byReason { reason count } } none: csatReport(range: CUSTOM, from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z") { byReason { reason count } } }`,
      {},
      ws.token,
    );
    expect(report.all.byReason).toEqual([
      { reason: "Not solved", count: 2 },
      { reason: "Too slow", count: 1 },
    ]);
    expect(report.none.byReason).toEqual([]);
    const csv = await (await fetch(`${server.url}/api/csat/export.csv?range=ALL_TIME`, { headers: { authorization: `Bearer ${ws.token}` } })).text();
    const [header, ...rows] = csv.trim().split("\r\n");
    expect(header!.split(",").at(-1)).toBe("reason");
    expect(rows.map((r) => r.split(",").at(-1)).sort()).toEqual(["Not solved", "Not solved", "Too slow"]);
  });

  it("the rating page: labels shown, reasons only at or below the threshold, an inline error without a score, 303 after a post, HTML errors", async () => {
    const { id, token } = await surveyToken("Dee");
    const form = await (await fetch(`${server.url}/csat/${token}?score=2`)).text();
    expect(form).toContain('<span class="scale">Very poor</span>');
    expect(form).toContain('<span class="scale">Excellent</span>');
    expect(form).toContain('<input type="radio" id="r0" name="reason" value="Too slow">');
    // The reasons show (CSS only) once a score of 3 or less is checked.
    expect(form).toContain("form:has(#s1:checked) .reasons,form:has(#s2:checked) .reasons,form:has(#s3:checked) .reasons{display:block}");
    expect(form).not.toContain("#s4:checked) .reasons");

    const post = (fields: Record<string, string>) =>
      fetch(`${server.url}/csat/${token}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      });
    const none = await post({ comment: "kept" });
    expect(none.status).toBe(400);
    expect(none.headers.get("content-type")).toContain("text/html");
    const noneHtml = await none.text();
    expect(noneHtml).toContain('<p class="error" id="form-error" role="alert">Choose a rating from 1 to 5 stars.</p>');
    expect(noneHtml).toContain(">kept</textarea>");
    expect((await surveyOf(id)).answeredAt).toBeNull();

    const bad = await post({ score: "2", reason: "Invented" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Choose one of the reasons offered, or none.");
    expect((await surveyOf(id)).answeredAt).toBeNull();

    const done = await post({ score: "2", reason: "Too slow", comment: "late" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/csat/${token}?done=1`);
    expect(await surveyOf(id)).toMatchObject({ score: 2, reason: "Too slow", comment: "late", answeredVia: "EMAIL_LINK" });
    const thanks = await (await fetch(`${server.url}${done.headers.get("location")}`)).text();
    expect(thanks).toContain("<h1>Thank you for your feedback!</h1>");
    expect(thanks).toContain("Too slow");
    // A reload of the thank-you is a GET: it posts nothing.
    expect((await fetch(`${server.url}${done.headers.get("location")}`)).status).toBe(200);
    expect((await post({ score: "5" })).status).toBe(409);

    // A reason sent with a score above the threshold is dropped by the page (it hides them there).
    const high = await surveyToken("Eve");
    const highPost = await fetch(`${server.url}/csat/${high.token}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ score: "5", reason: "Too slow" }).toString(),
    });
    expect(highPost.status).toBe(303);
    expect(await surveyOf(high.id)).toMatchObject({ score: 5, reason: null });

    for (const res of [
      await fetch(`${server.url}/csat/${token}`, { method: "PUT" }),
      await fetch(`${server.url}/csat/a/b`),
      await fetch(`${server.url}/csat/${token}`, { method: "POST", body: "comment=" + "x".repeat(70_000) }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toMatch(/^<!doctype html><html lang="en" dir="ltr">/);
    }
  });
});
