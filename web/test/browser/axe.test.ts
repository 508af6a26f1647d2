import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../../../api/src/clock.js";
import { gqlOk, until } from "../../../api/testkit/client.js";
import { tokenFromEmail } from "../../../api/testkit/fixtures.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { printAxeSummary, scan, seriousOrWorse } from "./axe.js";
import { DEMO_ADMIN, DEMO_PASSWORD, seedAnswers, type SeededAnswer } from "./seed.js";
import { ensureWebBuild, launchChromium, signIn } from "./support.js";

const DAY = 86_400_000;

/**
 * Issue 16 part 6: axe-core on every page and state there is today, with no serious or critical
 * violation; the table of what each scan found is printed at the end. Another page is one more
 * `check(page, "name")` line.
 */
describe("accessibility (axe-core) of every page and state", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let token: string;
  let answers: SeededAnswer[];
  let channelId: string;
  const clock = createManualClock(new Date(Date.now() - 40 * DAY));

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite", clock, config: { seedDemo: true } }), launchChromium()]);
    server = started;
    browser = launched;
    ({ answers, token } = await seedAnswers(server, clock, [
      { daysAgo: 30, scores: [5, 4, 2] },
      { daysAgo: 2, scores: [5, 3, 4, 1, 5] },
    ]));
    channelId = (await gqlOk(server.url, `{ channels { id name } }`, {}, token)).channels.find((c: { name: string }) => c.name === "Website chat").id;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await signIn(page, server.url, DEMO_ADMIN, DEMO_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    printAxeSummary();
    await browser?.close();
    await server?.stop();
  });

  /** Scans what `target` shows and requires no serious or critical violation. */
  async function check(target: Page, name: string, options: { exclude?: string[] } = {}) {
    const result = await scan(target, name, options);
    expect(seriousOrWorse(result), `${name}:\n${result.details.join("\n")}`).toEqual([]);
  }

  async function open(path: string, ready: (p: Page) => Promise<unknown> = (p) => p.locator("h1").first().waitFor({ timeout: 10_000 })) {
    await page.goto(`${server.url}${path}`);
    await ready(page);
  }

  /** A page of its own (axe needs pages made through a context). */
  async function newPage(viewport = { width: 390, height: 780 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    return context.newPage();
  }

  it("finds what it should: a log whose items are not list items any more (the widget's old markup)", async () => {
    const probe = await newPage();
    try {
      await probe.setContent(`<!doctype html><html lang="en"><title>probe</title><main><ol role="log" aria-label="Messages"><li>Hi</li></ol></main></html>`);
      const result = await scan(probe, "self-check: ol[role=log] > li");
      expect(seriousOrWorse(result).join("\n")).toMatch(/listitem/);
    } finally {
      await probe.context().close();
    }
  });

  it("the web app's pages", async () => {
    await open("/inbox", (p) => p.getByRole("list", { name: "Conversations" }).waitFor());
    await check(page, "inbox");
    await open(`/inbox/${answers[0]!.conversationId}`, (p) => p.getByRole("button", { name: /^(Reopen|Resolve)$/ }).waitFor());
    await check(page, "conversation");
    await open("/reports?range=LAST_30_DAYS", (p) => p.getByRole("list", { name: /Totals/ }).waitFor());
    await check(page, "reports");
    await page.getByRole("button", { name: "Custom" }).click();
    await check(page, "reports: custom range");
    await open("/settings/csat", (p) => p.getByRole("switch").waitFor());
    await check(page, "settings: CSAT");
    await page.getByRole("switch").uncheck();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("dialog").waitFor();
    await check(page, "settings: CSAT off dialog");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await open("/settings/widget");
    await check(page, "settings: widget");
    await open("/settings/api-keys");
    await check(page, "settings: API keys");
    await open("/team/audit-log", (p) => p.getByRole("row").nth(1).waitFor({ timeout: 10_000 }));
    await check(page, "audit log");
    await open("/outbox", (p) => p.getByRole("row").nth(1).waitFor({ timeout: 10_000 }));
    // The email preview is the email as sent (a sandboxed frame without scripts), not the app's UI.
    await check(page, "outbox", { exclude: [".email-preview__frame"] });
    await open("/no-such-page", (p) => p.getByRole("heading", { name: "Page not found" }).waitFor());
    await check(page, "not found");
    // The second release's pages: team, the answers explorer, follow-ups, webhooks.
    await open("/teammates", (p) => p.getByRole("row").nth(1).waitFor({ timeout: 10_000 }));
    await check(page, "team");
    await open("/responses", (p) => p.getByRole("link", { name: /conversation/i }).first().waitFor({ timeout: 10_000 }));
    await check(page, "responses");
    await open("/follow-ups");
    await check(page, "follow-ups");
    await open("/settings/webhooks");
    await check(page, "settings: webhooks");
    const signedOut = await newPage({ width: 1280, height: 900 });
    await signedOut.goto(`${server.url}/sign-in`);
    await signedOut.getByLabel("Email").waitFor();
    await check(signedOut, "sign in");
    await signedOut.context().close();
  }, 300_000);

  it("the chat widget: form, chat, card, thanks", async () => {
    const widget = await newPage();
    try {
      await widget.goto(`${server.url}/widget?channel=${channelId}`);
      await widget.getByLabel("Name").waitFor();
      await check(widget, "widget: form");
      await widget.getByLabel("Name").fill("Axel Axe");
      await widget.getByLabel("How can we help?").fill("Checking the widget");
      await widget.getByRole("button", { name: "Start chat" }).click();
      await widget.getByRole("log", { name: "Messages" }).getByText("Checking the widget").waitFor();
      const id = (await widget.locator("#widget").getAttribute("data-conversation"))!;
      await gqlOk(server.url, `mutation($id: ID!, $b: String!) { sendMessage(conversationId: $id, body: $b) { id } }`, { id, b: "Hello Axel!" }, token);
      await widget.getByText("Hello Axel!").waitFor();
      await check(widget, "widget: chat");
      await until(() => server.running.app.presence.isOpen(id), 10_000, "the widget's subscription");
      await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0 }) { enabled } }`, {}, token);
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, token);
      const card = widget.getByRole("region", { name: "How was your experience?" });
      await card.waitFor();
      await card.getByRole("button", { name: "4 stars" }).click();
      await check(widget, "widget: card");
      await card.getByRole("button", { name: "Submit" }).click();
      await widget.getByRole("heading", { name: "Thank you for your feedback!" }).waitFor();
      await check(widget, "widget: thanks");
    } finally {
      await widget.context().close();
    }
  }, 60_000);

  it("the rating page: ask, thanks, already submitted, expired, not found", async () => {
    const { channels, bots } = await gqlOk(server.url, `{ channels { id } bots { id } }`, {}, token);
    async function dispatched(name: string) {
      const created = await gqlOk(
        server.url,
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
        { input: { channelId: channels[0].id, botId: bots[0].id, customer: { name, email: `${name.toLowerCase()}@example.com` } } },
        token,
      );
      const id = created.createConversation.id;
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, token);
      const email = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId: id } } });
      return { id, token: tokenFromEmail(email.html) };
    }
    const rating = await newPage();
    try {
      const first = await dispatched("Rita");
      await rating.goto(`${server.url}/csat/${first.token}?score=4`);
      await rating.getByRole("heading", { name: "How was your experience?" }).waitFor();
      await check(rating, "rating page: ask");
      await rating.getByRole("button", { name: "Submit" }).click();
      await rating.getByRole("heading", { name: "Thank you for your feedback!" }).waitFor();
      await check(rating, "rating page: thanks");
      await rating.goto(`${server.url}/csat/${first.token}`);
      await rating.getByRole("heading", { name: "Already submitted." }).waitFor();
      await check(rating, "rating page: already submitted");
      const late = await dispatched("Leo");
      await server.running.app.prisma.csatSurvey.update({ where: { conversationId: late.id }, data: { expiresAt: new Date(clock.now().getTime() - 1000) } });
      await rating.goto(`${server.url}/csat/${late.token}`);
      await rating.getByRole("heading", { name: "This survey has expired" }).waitFor();
      await check(rating, "rating page: expired");
      await rating.goto(`${server.url}/csat/${"0".repeat(32)}`);
      await rating.getByRole("heading", { name: "Survey not found" }).waitFor();
      await check(rating, "rating page: not found");
    } finally {
      await rating.context().close();
    }
  }, 60_000);
});
