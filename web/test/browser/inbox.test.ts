import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk } from "../../../api/testkit/client.js";
import { seedConversations } from "../../../api/testkit/conversations.js";
import { createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../../../api/testkit/fixtures.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, SCREENSHOT_DIR, signIn, watchErrors } from "./support.js";

/** The inbox's screenshots, for people to look at (beside the other browser tests' ones). */
const SHOTS = SCREENSHOT_DIR;

async function shot(page: Page, name: string) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

describe("the inbox at volume (1,000 conversations)", () => {
  let server: TestServer;
  let browser: Browser;
  let ws: WorkspaceFixture;
  let page: Page;
  let errors: ReturnType<typeof watchErrors>;
  let target: string;

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite" }), launchChromium()]);
    server = started;
    browser = launched;
    ws = await createWorkspaceFixture(server.url, "Acme");
    await seedConversations(server.running.app.sql, {
      workspaceId: ws.workspaceId,
      channelId: ws.channelId,
      botId: ws.botId,
      count: 1000,
      newest: new Date(Date.now() - 60 * 60_000),
    });
    const [row] = await server.running.app.prisma.conversation.findMany({ where: { customer: { name: "Customer 640" } }, select: { id: true } });
    target = row!.id;
    // A word only in a message, in a conversation far down the list.
    await server.running.app.prisma.message.create({
      data: { workspaceId: ws.workspaceId, conversationId: target, body: "My flux capacitor hums at night", fromCustomer: true, createdAt: new Date(Date.now() - 700 * 60_000) },
    });
    await enableCsat(server.url, ws.token, 60);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    errors = watchErrors(context);
    page = await context.newPage();
    await signIn(page, server.url, ws.adminEmail, "correct horse battery");
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows 8 or more compact rows on a 1280×800 screen, with the total and relative times", async () => {
    await page.goto(`${server.url}/inbox`);
    const list = page.getByRole("list", { name: "Conversations" });
    await list.getByRole("link", { name: "Customer 1", exact: true }).waitFor();
    await page.getByText("1,000 conversations").waitFor();
    const visible = await page.$$eval(".conversation", (rows) => rows.filter((r) => r.getBoundingClientRect().bottom <= window.innerHeight).length);
    expect(visible).toBeGreaterThanOrEqual(8);
    // Updated an hour ago, with the full date on hover.
    const time = list.getByRole("listitem").first().locator("time");
    expect(await time.textContent()).toBe("1 h");
    expect(await time.getAttribute("title")).toMatch(/\d{4}/);
    await shot(page, "inbox-1280");
  });

  it("finds a conversation by a word in a message, opens and resolves it; the search is in the URL", async () => {
    await page.goto(`${server.url}/inbox`);
    await page.getByRole("searchbox", { name: "Search conversations" }).fill("capacitor");
    await page.getByRole("searchbox", { name: "Search conversations" }).press("Enter");
    await page.waitForURL("**/inbox?q=capacitor");
    await page.getByText("1 conversation", { exact: true }).waitFor();
    const list = page.getByRole("list", { name: "Conversations" });
    // The total can show a moment before the list's rows do (a fresh clone's run met 0 rows).
    await expect.poll(() => list.getByRole("listitem").count()).toBe(1);
    await list.getByRole("link", { name: "Customer 640" }).click();
    await page.waitForURL(`**/inbox/${target}?q=capacitor`);
    const detail = page.getByRole("region", { name: "Customer 640" });
    await detail.getByText("My flux capacitor hums at night").waitFor();
    await detail.getByRole("button", { name: "Resolve", exact: true }).click();
    await detail.getByRole("button", { name: "Reopen" }).waitFor();
    // The list hears of it and shows it resolved.
    await list.getByRole("listitem").getByText("Resolved", { exact: true }).waitFor();
    await shot(page, "inbox-search-1280");
    // The URL alone brings the same list back; a status chip narrows it.
    await page.goto(`${server.url}/inbox?q=capacitor&status=OPEN`);
    await page.getByText("No conversation matches these filters.").waitFor();
    await page.getByRole("button", { name: /^Resolved/ }).click();
    await page.waitForURL(/status=RESOLVED/);
    await page.getByRole("list", { name: "Conversations" }).getByRole("link", { name: "Customer 640" }).waitFor();
    expect(await page.getByRole("button", { name: /^Resolved/ }).textContent()).toBe("Resolved1");
  });

  it("moves with j and k and opens with Enter", async () => {
    await page.goto(`${server.url}/inbox`);
    const list = page.getByRole("list", { name: "Conversations" });
    await list.getByRole("link", { name: "Customer 640" }).first().waitFor();
    await page.locator("body").press("j");
    await page.locator("body").press("j");
    await page.locator("body").press("j");
    await page.locator("body").press("k");
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    // Customer 640 was resolved last, so it is on top: then Customer 1, 2, …
    expect(focused).toBe("Customer 1");
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Customer 1" }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/inbox\/[0-9a-f-]{36}$/);
  });

  it("resolves a conversation without a survey, and says so where the survey would be", async () => {
    const [row] = await server.running.app.prisma.conversation.findMany({ where: { customer: { name: "Customer 3" } }, select: { id: true } });
    await page.goto(`${server.url}/inbox/${row!.id}`);
    const detail = page.getByRole("region", { name: "Customer 3" });
    await detail.getByRole("button", { name: "Resolve without survey" }).waitFor();
    await shot(page, "resolve-offered-1280");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "resolve-offered-390");
    expect(await horizontalOverflow(page)).toBe(0);
    await page.setViewportSize({ width: 1280, height: 800 });
    await detail.getByRole("button", { name: "Resolve without survey" }).click();
    await detail.getByRole("button", { name: "Reopen" }).waitFor();
    await detail.getByText("it was resolved without a survey, by choice.", { exact: false }).waitFor();
    // Decided once: reopened, it offers only Resolve.
    await detail.getByRole("button", { name: "Reopen" }).click();
    await detail.getByRole("button", { name: "Resolve", exact: true }).waitFor();
    expect(await detail.getByRole("button", { name: "Resolve without survey" }).count()).toBe(0);
    const stored = await server.running.app.prisma.conversation.findUniqueOrThrow({ where: { id: row!.id }, include: { csatSurvey: true } });
    expect(stored).toMatchObject({ csatSkipReason: "SKIPPED_BY_TEAMMATE", csatSurvey: null });
    await shot(page, "resolve-without-survey-1280");
  });

  it("scrolls to the oldest conversation, each once", async () => {
    await page.goto(`${server.url}/inbox`);
    const list = page.getByRole("list", { name: "Conversations" });
    await list.getByRole("listitem").first().waitFor();
    for (let i = 0; i < 40; i++) {
      if (await page.getByText("That is every conversation.").isVisible()) break;
      // In the page, in one step: the sentinel is replaced when the last page arrives, so a
      // locator found first and scrolled after can meet a detached element.
      await page.evaluate(() => [...document.querySelectorAll(".inbox__more, .inbox__end")].at(-1)?.scrollIntoView({ block: "end" }));
      await page.waitForTimeout(150);
    }
    await page.getByText("That is every conversation.").waitFor();
    await list.getByRole("link", { name: "Customer 1000" }).waitFor();
    const names = await list.locator(".conversation__customer").allTextContents();
    expect(names.length).toBe(1000);
    expect(new Set(names).size).toBe(1000);
    expect(names.at(-1)).toBe("Customer 1000");
  });

  it("loads a long conversation's older messages as it is scrolled up", async () => {
    const [row] = await server.running.app.prisma.conversation.findMany({ where: { customer: { name: "Customer 900" } }, select: { id: true } });
    const base = Date.now() - 600 * 60_000;
    await server.running.app.prisma.message.createMany({
      data: Array.from({ length: 160 }, (_, i) => ({
        workspaceId: ws.workspaceId,
        conversationId: row!.id,
        body: `Line ${i + 1} of a long talk`,
        fromCustomer: i % 2 === 0,
        createdAt: new Date(base + i * 1000),
      })),
    });
    await page.goto(`${server.url}/inbox/${row!.id}`);
    const detail = page.getByRole("region", { name: "Customer 900" });
    await detail.getByText("Line 160 of a long talk").waitFor();
    // The newest 100 (61…160) first; the 61 before them (the seeded question and lines 1…60) on the way up.
    expect(await detail.getByText("Line 60 of a long talk", { exact: true }).count()).toBe(0);
    // Scrolled down and back up: the older ones come, a page at a time, to the start.
    await page.evaluate(() => window.scrollTo(0, 600));
    await page.waitForTimeout(100);
    await page.evaluate(() => window.scrollTo(0, 0));
    await detail.getByText("Line 1 of a long talk", { exact: true }).waitFor();
    await detail.getByText("The start of the conversation.").waitFor();
    await detail.getByText("Question 900 about billing").waitFor();
    const bodies = await detail.locator(".message__body").allTextContents();
    expect(bodies.length).toBe(161);
    expect(new Set(bodies).size).toBe(161);
  });

  it("fits a phone (390 wide): the list, a conversation, the outbox and the audit log", async () => {
    await page.goto(`${server.url}/inbox`);
    await page.getByRole("list", { name: "Conversations" }).getByRole("listitem").first().waitFor();
    const phone = await browser.newContext({ viewport: { width: 390, height: 780 } });
    const phoneErrors = watchErrors(phone);
    const p = await phone.newPage();
    await signIn(p, server.url, ws.adminEmail, "correct horse battery");
    await p.goto(`${server.url}/inbox`);
    await p.getByRole("list", { name: "Conversations" }).getByRole("listitem").first().waitFor();
    await shot(p, "inbox-390");
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await p.goto(`${server.url}/inbox/${target}`);
    await p.getByRole("button", { name: "Reopen" }).waitFor();
    await shot(p, "conversation-390");
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);

    // Some survey emails and audit entries for the lists.
    await enableCsat(server.url, ws.token, 0);
    const rows = await server.running.app.prisma.conversation.findMany({ where: { workspaceId: ws.workspaceId, status: "OPEN" }, take: 3, select: { id: true } });
    for (const r of rows) await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: r.id }, ws.token);
    await p.goto(`${server.url}/outbox`);
    const view = p.getByRole("button", { name: /View the email to/ }).first();
    await view.waitFor();
    // Nothing opens until tapped; then the preview shows under that row.
    expect(await p.locator(".email-preview").count()).toBe(0);
    await view.click();
    const inline = p.locator(".outbox__inline .email-preview");
    await inline.waitFor();
    await inline.getByRole("link", { name: "Open the conversation" }).waitFor();
    await shot(p, "outbox-390");
    expect(await horizontalOverflow(p)).toBeLessThanOrEqual(0);
    await p.goto(`${server.url}/team/audit-log`);
    await p.getByText(/That is all \d+ changes/).waitFor();
    await shot(p, "audit-log-390");

    await page.goto(`${server.url}/outbox`);
    await page.locator(".email-preview").waitFor();
    await shot(page, "outbox-1280");
    await page.getByRole("link", { name: /Conversation with/ }).first().click();
    await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "Reopen" }).waitFor();
    await shot(page, "conversation-1280");
    await page.goto(`${server.url}/team/audit-log`);
    await page.getByText(/That is all \d+ changes/).waitFor();
    await shot(page, "audit-log-1280");
    expect(phoneErrors.errors).toEqual([]);
    expect(errors.errors).toEqual([]);
    await phone.close();
  });
});
