import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../../../api/src/clock.js";
import { gqlOk } from "../../../api/testkit/client.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { DEMO_ADMIN, DEMO_PASSWORD, seedAnswers, type SeededAnswer } from "./seed.js";
import { shot } from "./shots.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, signIn, watchErrors } from "./support.js";

const DAY = 86_400_000;

/** Issue 16 parts 4 and 5 in a browser: readable reports, the CSAT-off confirmation, names on replies, not-found pages. */
describe("reports, settings and smaller fixes in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  let answers: SeededAnswer[];
  const clock = createManualClock(new Date(Date.now() - 100 * DAY));
  let watched: ReturnType<typeof watchErrors>;

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite", clock, config: { seedDemo: true } }), launchChromium()]);
    server = started;
    browser = launched;
    ({ answers, token } = await seedAnswers(server, clock, [
      { daysAgo: 80, scores: [5, 4] },
      { daysAgo: 50, scores: [5, 5, 4, 4, 3, 5] },
      { daysAgo: 20, scores: [2, 1, 3] },
      { daysAgo: 3, scores: [5, 4, 4, 5, 5, 2] },
      { daysAgo: 1, scores: [4], noBot: true },
    ]));
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watched = watchErrors(context);
    page = await context.newPage();
    await signIn(page, server.url, DEMO_ADMIN, DEMO_PASSWORD);
  }, 120_000);

  afterEach(() => {
    expect(watched.errors.splice(0), watched.dump()).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const tiles = () => page.getByRole("list", { name: /Totals/ });
  const trend = () => page.getByRole("region", { name: /trend/ });

  it("draws 90 days as 13 weekly buckets, few-answer averages hollow with their n, values on hover and focus", async () => {
    await page.goto(`${server.url}/reports?range=LAST_90_DAYS`);
    await trend().getByRole("heading", { name: "Weekly trend" }).waitFor();
    const buckets = trend().locator("a.chart__bucket");
    expect(await buckets.count()).toBe(13);
    // Weeks with 1–4 answers are hollow and carry their n; the 6-answer weeks are solid.
    const fewLabels = await trend().locator(".chart__n").allTextContents();
    expect(fewLabels.sort()).toEqual(["n=2", "n=3"]);
    expect(await trend().locator(".chart__dot:not(.chart__dot--few)").count()).toBeGreaterThanOrEqual(1);
    // Each bucket links to its answers: a custom window of that week.
    const href = (await buckets.last().getAttribute("href"))!;
    expect(href).toMatch(/^\/responses\?range=CUSTOM&from=\d{4}-\d\d-\d\dT00%3A00%3A00\.000Z&to=/);
    expect(await buckets.last().getAttribute("aria-label")).toMatch(/^Week of [A-Z][a-z]{2} \d+: 7 answers of 7 sent, average 4\.1 out of 5$/);
    await buckets.last().hover();
    const tip = trend().locator(".chart__tip");
    await tip.waitFor();
    expect(await tip.innerText()).toContain("7 answers of 7 sent");
    await shot(page, "reports-90d-hover");
    // Keyboard: Tab reaches the buckets and the tooltip follows focus.
    await buckets.first().focus();
    await page.keyboard.press("Tab");
    await expect.poll(() => tip.innerText()).toMatch(/^Week of/);
  });

  it("labels all time by month, like “Jan 2026”", async () => {
    await page.goto(`${server.url}/reports?range=ALL_TIME`);
    await trend().getByRole("heading", { name: "Monthly trend" }).waitFor();
    const labels = await trend().locator("a.chart__bucket").evaluateAll((links) => links.map((a) => a.getAttribute("aria-label")!.split(":")[0]));
    expect(labels.length).toBeGreaterThanOrEqual(12);
    for (const label of labels) expect(label).toMatch(/^[A-Z][a-z]{2} \d{4}$/);
    await shot(page, "reports-all-time");
  });

  it("sorts the tables by any column and links every tile, bar and row to its answers", async () => {
    await page.goto(`${server.url}/reports?range=LAST_30_DAYS`);
    const byBot = page.getByRole("region", { name: "By bot" }).first();
    await byBot.getByRole("table").waitFor();
    const names = () => byBot.locator("tbody th").allInnerTexts();
    const header = (name: RegExp) => byBot.getByRole("columnheader", { name });
    await header(/^Average rating/).getByRole("button").click();
    expect(await header(/^Average rating/).getAttribute("aria-sort")).toBe("descending");
    const averages = async () => (await byBot.locator("tbody tr td:nth-of-type(1)").allInnerTexts()).map(Number);
    const desc = await averages();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await header(/^Average rating/).getByRole("button").click();
    expect(await header(/^Average rating/).getAttribute("aria-sort")).toBe("ascending");
    expect(await averages()).toEqual([...desc].reverse());
    await header(/^Bot/).getByRole("button").click();
    expect(await names()).toEqual([...(await names())].sort((a, b) => a.localeCompare(b)));
    // The unattributed row leads to botId=none; the others to their bot.
    const unattributed = byBot.getByRole("link", { name: "— Unattributed —" });
    expect(await unattributed.getAttribute("href")).toBe("/responses?range=LAST_30_DAYS&botId=none");
    expect(await byBot.getByRole("link", { name: "Ava" }).getAttribute("href")).toMatch(/^\/responses\?range=LAST_30_DAYS&botId=[0-9a-f-]{36}$/);
    expect(await tiles().getByRole("link", { name: /Satisfied/ }).getAttribute("href")).toBe("/responses?range=LAST_30_DAYS&scores=4,5");
    const distribution = page.getByRole("region", { name: "Rating distribution" });
    expect(await distribution.getByRole("link", { name: /^1 star:/ }).getAttribute("href")).toBe("/responses?range=LAST_30_DAYS&scores=1");
    // Recent comments lead to their conversation and to the customer's answers.
    const comments = page.getByRole("region", { name: "Recent comments" });
    const commented = answers.filter((a) => a.comment && Date.now() - 30 * DAY < Date.now()).map((a) => a.conversationId);
    const first = comments.getByRole("listitem").first();
    const conversationHref = (await first.getByRole("link", { name: /View conversation/ }).getAttribute("href"))!;
    expect(commented).toContain(conversationHref.replace("/inbox/", ""));
    expect(await first.getByRole("link", { name: /^Answers from / }).getAttribute("href")).toMatch(/^\/responses\?q=customer\d+%40example\.com$/);
    // The same words for "no bot" in the conversation view as in the reports.
    const noBot = answers.find((a) => a.botId === null)!;
    await page.goto(`${server.url}/inbox/${noBot.conversationId}`);
    await page.getByText("— Unattributed —").first().waitFor();
    // Replies name their teammate.
    await page.getByLabel("Reply").fill("Thanks for the rating!");
    await page.getByRole("button", { name: "Send reply" }).click();
    await page.locator(".message--team .message__author", { hasText: "Ada Admin" }).first().waitFor();
    expect(await page.locator(".message__author", { hasText: /^Team$/ }).count()).toBe(0);
    await shot(page, "conversation-author");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "conversation-author");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("shows a custom range, and keeps the last report on screen while the server cannot be reached", async () => {
    await page.goto(`${server.url}/reports?range=LAST_7_DAYS`);
    await tiles().waitFor();
    await page.getByRole("button", { name: "Custom" }).click();
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 55 * DAY).toISOString().slice(0, 10);
    const to = new Date(Date.now() - 45 * DAY).toISOString().slice(0, 10);
    await page.getByLabel("First day").fill(to);
    await page.getByLabel("Last day").fill(from);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByText("The first day must come before the last.").waitFor();
    await page.getByLabel("First day").fill(from);
    await page.getByLabel("Last day").fill(to);
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(`**/reports?range=CUSTOM&from=${from}&to=${to}`);
    const sent = tiles().getByRole("link", { name: /Surveys sent/ });
    await expect.poll(() => sent.locator(".tile__value").innerText()).toBe("6");
    expect(await sent.getAttribute("href")).toBe(
      `/responses?range=CUSTOM&from=${from}T00%3A00%3A00.000Z&to=${new Date(Date.parse(to) + DAY).toISOString().replace(/:/g, "%3A")}`,
    );
    expect(await trend().getByRole("heading").innerText()).toBe("Daily trend");
    await shot(page, "reports-custom");
    expect(today).toBeTruthy();

    // The server goes away: another range cannot load, and the custom report stays, marked as such.
    await page.route(/\/graphql(\?|$)/, (route) => route.abort("connectionrefused"));
    try {
      await page.getByRole("button", { name: /^30d/ }).click();
      await page.getByText(/Can’t reach the server right now/).waitFor({ timeout: 15_000 });
      expect(await sent.locator(".tile__value").innerText()).toBe("6");
      expect(await page.locator(".period").innerText()).toMatch(/^[A-Z][a-z]{2} \d+, \d{4} – /);
      await shot(page, "reports-offline");
    } finally {
      await page.unroute(/\/graphql(\?|$)/);
    }
    await page.goto(`${server.url}/reports?range=LAST_7_DAYS`);
    await expect.poll(() => tiles().getByRole("link", { name: /Surveys sent/ }).locator(".tile__value").innerText()).toBe("7");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "reports-7d");
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot(page, "reports-7d");
  });

  it("asks before switching CSAT off, saying how many scheduled surveys it cancels; delay choices are disabled while off", async () => {
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 60 }) { enabled } }`, {}, token);
    const { channels } = await gqlOk(server.url, `{ channels { id } }`, {}, token);
    for (const name of ["Pending One", "Pending Two"]) {
      const created = await gqlOk(
        server.url,
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
        { input: { channelId: channels[0].id, customer: { name } } },
        token,
      );
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: created.createConversation.id }, token);
    }
    await page.goto(`${server.url}/settings/csat`);
    const toggle = page.getByRole("switch", { name: "Send CSAT survey when a conversation resolves" });
    await toggle.waitFor();
    await toggle.uncheck();
    expect(await page.getByRole("radio", { name: "Immediately" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Turn CSAT surveys off?" });
    await dialog.waitFor();
    await expect.poll(() => dialog.getByTestId("csat-off-count").innerText()).toBe("2 scheduled surveys that have not been sent yet will be cancelled.");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Keep it on");
    await shot(page, "settings-confirm-off");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "settings-confirm-off");
    await page.setViewportSize({ width: 1280, height: 900 });
    // Escape (or "Keep it on") changes nothing.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await gqlOk(server.url, `{ csatSettings { enabled scheduledCount } }`, {}, token)).csatSettings).toEqual({ enabled: true, scheduledCount: 2 });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await dialog.getByRole("button", { name: "Turn off" }).click();
    await page.getByText("Saved. No surveys are sent.").waitFor();
    expect((await gqlOk(server.url, `{ csatSettings { enabled scheduledCount } }`, {}, token)).csatSettings).toEqual({ enabled: false, scheduledCount: 0 });
    await shot(page, "settings-off");
  });

  it("explains how to start when a workspace has no surveys, and gives unknown paths the app's not-found page", async () => {
    const email = `owner-${Date.now()}@empty.test`;
    await gqlOk(server.url, `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { token } }`, {
      input: { name: "Empty Co", adminEmail: email, adminName: "Eve Empty", password: "correct horse battery" },
    });
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const freshWatch = watchErrors(fresh);
    try {
      const empty = await fresh.newPage();
      await signIn(empty, server.url, email, "correct horse battery");
      await empty.goto(`${server.url}/reports?range=ALL_TIME`);
      const card = empty.getByTestId("empty-report");
      await card.getByRole("heading", { name: "No surveys yet" }).waitFor();
      expect(await card.getByRole("link", { name: "Turn on CSAT surveys" }).getAttribute("href")).toBe("/settings/csat");
      await shot(empty, "reports-empty");
      await empty.setViewportSize({ width: 390, height: 844 });
      await shot(empty, "reports-empty");

      for (const path of ["/no-such-page", "/api/no-such-thing", "/reports-old/1"]) {
        const response = await empty.goto(`${server.url}${path}`);
        expect(response?.status(), path).toBe(404);
        await empty.getByRole("heading", { name: "Page not found" }).waitFor();
      }
      await shot(empty, "not-found");
      await empty.setViewportSize({ width: 1280, height: 900 });
      await shot(empty, "not-found");
      expect(freshWatch.errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
