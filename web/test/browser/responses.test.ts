import { mkdir } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnsweredSurvey } from "../../../api/testkit/answers.js";
import { gqlOk } from "../../../api/testkit/client.js";
import { createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../../../api/testkit/fixtures.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, screenshot, signIn, watchErrors } from "./support.js";

/** Screenshots for people to look at, beside the test's own. */
const SHOTS = "/work/wt/shots/answers";

async function shoot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await mkdir(SHOTS, { recursive: true }).catch(() => {});
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }).catch(() => {});
}

describe("the Responses and Follow-ups pages in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let ws: WorkspaceFixture;
  let otherBot: string;
  let angry: { surveyId: string; conversationId: string };

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite" }), launchChromium()]);
    server = started;
    browser = launched;
    ws = await createWorkspaceFixture(server.url, "Acme");
    await enableCsat(server.url, ws.token, 0);
    otherBot = (await gqlOk(server.url, `mutation { createBot(name: "Bob") { id } }`, {}, ws.token)).createBot.id;
    await createAnsweredSurvey(server, ws, { customer: { name: "Happy Hana", email: "hana@example.com" }, score: 4, comment: "Quick and kind" });
    await createAnsweredSurvey(server, ws, { customer: { name: "Other Otto", email: "otto@example.com" }, score: 5, comment: "Bob was great", botId: otherBot });
    angry = await createAnsweredSurvey(server, ws, {
      customer: { name: "Angry Ada", email: "ada@example.com" },
      score: 1,
      comment: "Still no refund after three weeks",
      teammateId: ws.adminId,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("a lead opens Reports, clicks a bot's row, sees its answers, opens a 1-star answer's conversation, and closes its follow-up", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(context);
    const page = await context.newPage();
    try {
      await signIn(page, server.url, ws.adminEmail, "correct horse battery");
      // The open follow-up shows in the nav.
      await expect.poll(() => page.getByTestId("open-follow-ups").textContent(), { timeout: 10_000 }).toBe("1 open");
      // From the report: the "By bot" table's row for Ava leads to Ava's answers.
      await page.goto(`${server.url}/reports`);
      await page.getByRole("table", { name: "By bot" }).getByRole("link", { name: "Ava" }).click();
      await page.getByRole("heading", { name: "Responses", level: 1 }).waitFor();
      expect(new URL(page.url()).searchParams.get("botId")).toBe(ws.botId);
      await page.getByText("Still no refund after three weeks").waitFor();
      await page.getByText("2 answers").waitFor();
      expect(await page.getByText("Bob was great").count()).toBe(0);
      expect(await page.getByLabel("Bot").inputValue()).toBe(ws.botId);
      const answers = page.getByRole("list", { name: "Responses" }).getByRole("listitem");
      expect(await answers.count()).toBe(2);
      // Newest first: the 1-star answer came last.
      await expect.poll(() => answers.first().textContent()).toContain("Still no refund");
      await expect.poll(() => answers.first().getByRole("img").getAttribute("aria-label")).toBe("1 out of 5 stars");
      await answers.first().getByText("Follow-up: Open").waitFor();
      await shoot(page, "responses-1280");

      // A filter changes the address, and the address the list.
      await page.getByRole("checkbox", { name: "5 stars" }).check();
      await page.waitForURL(/scores=5/);
      await page.getByText("No answers match these filters.").waitFor();
      await page.getByRole("checkbox", { name: "5 stars" }).uncheck();
      await page.getByLabel("Search").fill("refund");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.waitForURL(/q=refund/);
      await page.getByText("1 answer", { exact: true }).waitFor();

      await page.getByRole("link", { name: "Open conversation with Angry Ada" }).click();
      await page.waitForURL(`${server.url}/inbox/${angry.conversationId}`);
      await page.getByText("Hello, I need help").first().waitFor();
      await page.goBack();
      await page.waitForURL(/\/responses\?/);
      await page.getByRole("button", { name: "Close follow-up for Angry Ada" }).click();
      await page.getByText("Follow-up: Done").waitFor();
      const followUp = await server.running.app.prisma.csatFollowUp.findUniqueOrThrow({ where: { surveyId: angry.surveyId }, include: { changes: true } });
      expect(followUp.status).toBe("DONE");
      expect(followUp.changes).toHaveLength(1);
      expect(followUp.changes[0]!.actorId).toBe(ws.adminId);
      // The badge counts down, live.
      await page.getByTestId("open-follow-ups").waitFor({ state: "detached", timeout: 10_000 });

      // A new low answer opens a follow-up: the badge and the Follow-ups page hear of it at once.
      await page.goto(`${server.url}/follow-ups?owner=all&status=OPEN`);
      await page.getByRole("heading", { name: "Follow-ups", level: 1 }).waitFor();
      await page.getByText("Nothing here. Well done.").waitFor();
      await createAnsweredSurvey(server, ws, { customer: { name: "Cross Cora", email: "cora@example.com" }, score: 2, comment: "Meh", teammateId: ws.adminId });
      await page.getByRole("heading", { name: "Cross Cora" }).waitFor({ timeout: 10_000 });
      await expect.poll(() => page.getByTestId("open-follow-ups").textContent(), { timeout: 10_000 }).toBe("1 open");
      await page.getByRole("combobox", { name: "Status" }).selectOption("CONTACTED");
      await page.getByLabel("Note").fill("Called her back");
      await page.getByRole("button", { name: "Save follow-up for Cross Cora" }).click();
      // It leaves the Open list once saved.
      await page.getByText("Nothing here. Well done.").waitFor();
      await page.getByRole("button", { name: "All", exact: true }).click();
      await page.getByRole("listitem", { name: "Cross Cora" }).getByText("History (1)").click();
      await page.getByText(/status Open → Contacted; note “Called her back”/).waitFor();
      await shoot(page, "follow-ups-1280");
      expect(errors.errors, errors.dump()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("both pages fit a phone and work from the keyboard", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const errors = watchErrors(context);
    const page = await context.newPage();
    try {
      await signIn(page, server.url, ws.adminEmail, "correct horse battery");
      await page.goto(`${server.url}/responses`);
      await page.getByText("Quick and kind").waitFor();
      await shoot(page, "responses-390");
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      // Keyboard: the search field, typed and submitted with Enter.
      await page.getByLabel("Search").focus();
      await page.keyboard.type("ada");
      await page.keyboard.press("Enter");
      await page.getByText("1 answer", { exact: true }).waitFor();
      await page.goto(`${server.url}/follow-ups?owner=mine&status=ALL`);
      await page.getByRole("heading", { name: "Angry Ada" }).waitFor();
      await shoot(page, "follow-ups-390");
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(errors.errors, errors.dump()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
