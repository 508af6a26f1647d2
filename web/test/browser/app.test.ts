import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, FrameLocator, Page, WebSocketRoute } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { check, saveChecks } from "../../../api/test/hardening/checks.js";
import { gqlOk, until } from "../../../api/testkit/client.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, screenshot, signIn, watchErrors } from "./support.js";

const ADMIN = "admin@demo.hydra.test";
const AGENT = "agent@demo.hydra.test";
const PASSWORD = "hydra-demo";

/**
 * The web app and the chat widget in Debian's Chromium against a real server (embedded PGlite,
 * demo workspace): a teammate in one browser context, customers in others.
 */
describe("web app and chat widget in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let teammate: BrowserContext;
  let page: Page;
  let adminToken: string;
  let widgetChannelId: string;
  /** Every context's page errors: each test ends with none. */
  const watched: ReturnType<typeof watchErrors>[] = [];
  const watch = (context: BrowserContext) => {
    const w = watchErrors(context);
    watched.push(w);
    return w;
  };

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([
      ensureWebBuild(),
      startTestServer({ db: "pglite", config: { seedDemo: true } }),
      launchChromium(),
    ]);
    server = started;
    browser = launched;
    teammate = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watch(teammate);
    page = await teammate.newPage();
    page.on("pageerror", (e) => console.log("pageerror:", e.message));
    page.on("response", async (r) => {
      if (!r.url().includes("/graphql")) return;
      const t = await r.text().catch(() => "");
      if (t.includes('"errors"')) console.log("graphql error", r.status(), r.request().postData()?.slice(0, 200) ?? r.url().slice(0, 300), t.slice(0, 300));
    });
    const signedIn = await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, {
      e: ADMIN,
      p: PASSWORD,
    });
    adminToken = signedIn.signIn.token;
    const { channels } = await gqlOk(server.url, `{ channels { id name } }`, {}, adminToken);
    widgetChannelId = channels.find((c: { name: string }) => c.name === "Website chat").id;
  });

  afterEach(() => {
    const errors = watched.flatMap((w) => w.errors.splice(0));
    const consoles = watched.map((w) => w.dump()).join("\n");
    expect(check("11.19", errors.length === 0), `page errors:\n${errors.join("\n")}\nconsole:\n${consoles}`).toBe(true);
    for (const w of watched) w.log.splice(0);
  });

  afterAll(async () => {
    saveChecks("browser");
    await browser?.close();
    await server?.stop();
  });

  /** A customer on the demo website, with the chat panel opened from its button. */
  async function openWidget(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; site: Page; chat: FrameLocator }> {
    const context = await browser.newContext({ viewport });
    watch(context);
    const site = await context.newPage();
    await site.goto(`${server.url}/widget-demo?channel=${widgetChannelId}`);
    await site.getByRole("button", { name: "Chat with us" }).click();
    const chat = site.frameLocator('iframe[title="Chat with us"]');
    return { context, site, chat };
  }

  async function startChat(chat: FrameLocator, customer: { name: string; email?: string; message: string }): Promise<string> {
    await chat.getByLabel("Name").fill(customer.name);
    if (customer.email) await chat.getByLabel("Email").fill(customer.email);
    await chat.getByLabel("How can we help?").fill(customer.message);
    await chat.getByRole("button", { name: "Start chat" }).click();
    await chat.getByRole("log", { name: "Messages" }).getByText(customer.message).waitFor();
    const conversationId = await chat.locator("#widget").getAttribute("data-conversation");
    expect(conversationId).toBeTruthy();
    // The rating card needs the widget's subscription live when the survey is dispatched.
    await until(() => server.running.app.presence.isOpen(conversationId!), 10_000, "the widget's subscription");
    return conversationId!;
  }

  /** The teammate's page at `path`, signing in first when test (1) has not (a filtered run). */
  async function openAsAdmin(path: string) {
    await page.goto(`${server.url}${path}`);
    await page.locator("h1").first().waitFor();
    if (new URL(page.url()).pathname === "/sign-in") {
      await signIn(page, server.url, ADMIN, PASSWORD);
      await page.goto(`${server.url}${path}`);
    }
  }

  async function ensureCsatImmediate() {
    await gqlOk(
      server.url,
      `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0 }) { enabled } }`,
      {},
      adminToken,
    );
  }

  it("(1) a teammate signs in, enables CSAT (immediate), and the audit log shows the change", async () => {
    await signIn(page, server.url, ADMIN, PASSWORD);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Customer satisfaction survey" }).waitFor();

    const toggle = page.getByRole("switch", { name: "Send CSAT survey when a conversation resolves" });
    expect(await toggle.isChecked()).toBe(false);
    // Keyboard: Space flips the switch.
    await toggle.focus();
    await page.keyboard.press("Space");
    expect(await toggle.isChecked()).toBe(true);
    // A custom delay out of range is refused with a message, and nothing is saved.
    await page.getByRole("radio", { name: "Custom" }).check();
    await page.getByLabel(/Minutes after resolving/).fill("20000");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("The delay can be at most 10,080 minutes (7 days).").waitFor();
    await screenshot(page, "settings-csat-validation");
    await page.getByRole("radio", { name: "Immediately" }).check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Saved. Surveys are sent immediately after a conversation is resolved.").waitFor();
    await screenshot(page, "settings-csat");

    await page.getByRole("link", { name: "Audit log" }).click();
    const row = page.getByRole("row").filter({ hasText: "Changed CSAT settings" });
    await row.waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.innerText();
    expect(text).toContain("Ada Admin");
    expect(text).toMatch(/Send surveys:\s*(before:\s*)?Off\s*→\s*(after:\s*)?On/);
    await screenshot(page, "audit-log");
  });

  it("an admin makes an AGENT API key (its secret shown once), revokes it, and the audit log names both", async () => {
    await openAsAdmin("/settings/api-keys");
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.getByLabel("Name").fill("Helpdesk sync");
    await page.getByLabel("Role").selectOption("AGENT");
    await page.getByRole("button", { name: "Create API key" }).click();
    await page.getByRole("heading", { name: "“Helpdesk sync” is ready" }).waitFor();
    const secret = (await page.locator("pre.snippet").innerText()).trim();
    expect(secret).toMatch(/^hck_/);
    // The key works, as an agent.
    expect((await gqlOk(server.url, `{ bots { id } }`, {}, secret)).bots.length).toBeGreaterThan(0);
    const row = page.getByRole("row").filter({ hasText: "Helpdesk sync" });
    await row.getByText("Agent").waitFor();
    expect(await page.locator("table").innerText()).not.toContain(secret.slice(8));
    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "Revoke Helpdesk sync" }).click();
    await row.getByText("Revoked").waitFor();
    await screenshot(page, "settings-api-keys");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    const entries = page.getByRole("row").filter({ hasText: "API key" });
    await entries.filter({ hasText: "Revoked API key" }).waitFor();
    expect(await entries.filter({ hasText: "Created API key" }).innerText()).toContain("Ada Admin");
  });

  it("(2) a widget customer without email rates a conversation the teammate resolves; /reports shows it", async () => {
    await ensureCsatImmediate();
    const { context, site, chat } = await openWidget();
    try {
      const conversationId = await startChat(chat, { name: "Wendy Widget", message: "Where is my parcel?" });

      await openAsAdmin("/inbox");
      const item = page.getByRole("list", { name: "Conversations" }).getByRole("listitem").filter({ hasText: "Wendy Widget" });
      await item.getByText("Where is my parcel?").waitFor();
      await item.getByRole("link", { name: "Wendy Widget" }).click();
      await page.waitForURL(`**/inbox/${conversationId}`);
      const detail = page.getByRole("region", { name: "Wendy Widget" });
      // The customer writes again: the open conversation shows it at once (conversationChanged),
      // long before its fallback refresh (30 s).
      await chat.locator("#w-reply").fill("Also, can I change the address?");
      await chat.getByRole("button", { name: "Send" }).click();
      await detail.getByText("Also, can I change the address?").waitFor({ timeout: 8000 });
      await detail.getByLabel("Reply").fill("It is on its way — tracking number 42.");
      await detail.getByRole("button", { name: "Send reply" }).click();
      // The widget shows the reply at once (conversationUpdated), long before its fallback check (30 s).
      await chat.getByText("It is on its way — tracking number 42.").waitFor({ timeout: 8000 });
      await detail.getByRole("button", { name: "Resolve", exact: true }).click();
      await detail.getByRole("button", { name: "Reopen" }).waitFor();
      await detail.getByText("Shown in the chat widget.").waitFor();
      await screenshot(page, "inbox");

      // The card appears right under the last message.
      const card = chat.getByRole("region", { name: "How was your experience?" });
      await card.waitFor();
      const lastItem = chat.locator(".w-log > li").last();
      expect(await lastItem.getAttribute("class")).toBe("card-item");
      for (const n of [1, 2, 3, 4, 5]) await card.getByRole("button", { name: n === 1 ? "1 star" : `${n} stars` }).waitFor();
      await screenshot(site, "widget-card");

      // Keyboard all the way: Enter on a star, type the comment, Enter on Submit.
      await card.getByRole("button", { name: "4 stars" }).focus();
      await site.keyboard.press("Enter");
      expect(await card.getByRole("button", { name: "4 stars" }).getAttribute("aria-pressed")).toBe("true");
      await card.getByLabel("Comment (optional)").fill("Quick and friendly, thanks!");
      await card.getByRole("button", { name: "Submit" }).focus();
      await site.keyboard.press("Enter");
      await chat.getByRole("heading", { name: "Thank you for your feedback!" }).waitFor();
      // Focus lands on the outcome, not on a button that has gone.
      expect(await chat.locator(":focus").textContent()).toBe("Thank you for your feedback!");
      await screenshot(site, "widget-thanks");

      // The inbox shows the answer.
      await detail.getByText("Quick and friendly, thanks!").waitFor({ timeout: 10_000 });

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
      const tiles = page.getByRole("list", { name: /Totals/ });
      await tiles.waitFor();
      const tile = (label: string) => tiles.getByRole("listitem").filter({ hasText: label });
      // A tile's figure alone: "1" must not pass for "10".
      const figure = (label: string) => tile(label).locator(".tile__value").innerText();
      await expect.poll(() => tile("Average rating").innerText()).toContain("4.0 / 5");
      expect(await tile("Surveys sent").innerText()).toContain("1");
      expect(await tile("Surveys submitted").innerText()).toContain("1");
      expect(await tile("Response rate").innerText()).toContain("100%");
      const figures = { average: await figure("Average rating"), sent: await figure("Surveys sent"), submitted: await figure("Surveys submitted"), rate: await figure("Response rate") };
      expect(check("11.19", JSON.stringify(figures) === JSON.stringify({ average: "4.0 / 5", sent: "1", submitted: "1", rate: "100%" })), JSON.stringify(figures)).toBe(true);

      const bots = page.getByRole("region", { name: "By bot" });
      const botRow = bots.getByRole("row").filter({ hasText: "— Unattributed —" });
      expect(await botRow.innerText()).toMatch(/4\.0\s+100%\s+100%\s+1\s+1/);
      expect(await botRow.innerText()).toMatch(/(?<![\d.])4\.0\s+100%\s+100%\s+1\s+1\s*$/);
      const channels = page.getByRole("region", { name: "By channel" });
      const channelRow = channels.getByRole("row").filter({ hasText: "Website chat" });
      expect(await channelRow.innerText()).toMatch(/4\.0\s+100%\s+100%\s+1\s+1/);
      expect(await channelRow.innerText()).toMatch(/(?<![\d.])4\.0\s+100%\s+100%\s+1\s+1\s*$/);

      const comments = page.getByRole("region", { name: "Recent comments" });
      const comment = comments.getByRole("listitem").filter({ hasText: "Quick and friendly, thanks!" });
      await comment.waitFor();
      expect(await comment.getByRole("img").getAttribute("aria-label")).toBe("4 out of 5 stars");

      // The range toggle and the CSV export.
      await page.getByRole("button", { name: /last 7 days/ }).click();
      await page.waitForURL("**/reports?range=LAST_7_DAYS");
      expect(await page.getByRole("button", { name: /last 7 days/ }).getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => tile("Surveys submitted").innerText()).toContain("1");
      await expect.poll(() => figure("Surveys submitted")).toBe("1");
      expect(await figure("Surveys sent")).toBe("1");
      // The daily trend (one csatTrend query) has today's answer; its table is for screen readers.
      const trend = page.getByRole("table", { name: /Daily trend/ });
      await expect.poll(() => trend.getByRole("row").count()).toBe(2);
      expect(await trend.getByRole("row").nth(1).innerText()).toMatch(/1\s+1\s+4\.0/);
      expect(await trend.getByRole("row").nth(1).innerText()).toMatch(/(?<!\d)1\s+1\s+4\.0\s*$/);
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      // The file itself: the header and exactly this one answer.
      const csv = await readFile((await download.path())!, "utf8");
      const lines = csv.split("\r\n");
      expect(lines[0]).toBe("survey_id,conversation_id,dispatched_at,answered_at,score,comment,bot_id,bot,channel_id,channel,resolved_via,answered_via,reason");
      expect(lines.at(-1)).toBe("");
      const answerRow = new RegExp(
        `^[0-9a-f-]{36},${conversationId},\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,4,"Quick and friendly, thanks!",,— Unattributed —,${widgetChannelId},Website chat,INBOX,WIDGET,$`,
      );
      expect(check("11.19", lines.length === 3 && answerRow.test(lines[1]!)), csv).toBe(true);
      await screenshot(page, "reports");
    } finally {
      await context.close();
    }
  });

  it("(3) a customer with an email answers from the email's star link; the link then says Already submitted.", async () => {
    await ensureCsatImmediate();
    const { context, site, chat } = await openWidget();
    try {
      const conversationId = await startChat(chat, { name: "Eve Email", email: "eve@example.com", message: "Can I change my order?" });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, adminToken);
      await chat.getByRole("region", { name: "How was your experience?" }).waitFor();

      await openAsAdmin("/outbox");
      const row = page.getByRole("row").filter({ hasText: "eve@example.com" });
      await row.waitFor();
      await row.getByRole("button", { name: /View/ }).click();
      const email = page.frameLocator('iframe[title="The email to eve@example.com, as rendered"]');
      // The email's links hide the survey token; in development the page offers a preview link.
      const href = await email.locator('a[href*="score=5"]').first().getAttribute("href");
      expect(href).toContain("/csat/[survey token hidden]?score=5");
      const preview = page.getByRole("link", { name: "Preview link" });
      expect(await preview.getAttribute("href")).toMatch(/\/csat\/[0-9a-f]{32}$/);
      await screenshot(page, "outbox");

      // Links carry PUBLIC_URL (a stand-in here); the path is what matters.
      const link = new URL(`${await preview.getAttribute("href")}?score=5`);
      const rating = await context.newPage();
      await rating.goto(`${server.url}${link.pathname}${link.search}`);
      expect(await rating.getByRole("radio", { name: "5 stars" }).isChecked()).toBe(true);
      await screenshot(rating, "rating-page");
      await rating.getByRole("button", { name: "Submit" }).click();
      await rating.getByRole("heading", { name: "Thank you for your feedback!" }).waitFor();

      await rating.goto(`${server.url}${link.pathname}${link.search}`);
      await rating.getByRole("heading", { name: "Already submitted." }).waitFor();
      await screenshot(rating, "rating-page-already-submitted");

      // The widget's card, still open, learns that the survey was answered elsewhere.
      await chat.getByRole("heading", { name: "Already answered" }).waitFor({ timeout: 10_000 });
      await screenshot(site, "widget-already-answered");
    } finally {
      await context.close();
    }
  });

  it("(4) an AGENT sees the settings read-only and cannot change them", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watch(context);
    try {
      const agent = await context.newPage();
      await signIn(agent, server.url, AGENT, PASSWORD);
      const nav = agent.getByRole("navigation", { name: "Main" });
      expect(await nav.getByRole("link", { name: "Audit log" }).count()).toBe(0);
      await nav.getByRole("link", { name: "Settings" }).click();
      await agent.getByText("Only admins can change these settings.").waitFor();
      const toggle = agent.getByRole("switch", { name: "Send CSAT survey when a conversation resolves" });
      expect(await toggle.isDisabled()).toBe(true);
      expect(await agent.getByRole("radio", { name: "Immediately" }).isDisabled()).toBe(true);
      expect(await agent.getByRole("button", { name: "Save", exact: true }).count()).toBe(0);
      await screenshot(agent, "settings-csat-agent");

      // And the API refuses the change even when asked directly.
      const token = await agent.evaluate(() => localStorage.getItem("hydra.sessionToken"));
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `mutation { updateCsatSettings(input: { enabled: false }) { enabled } }` }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    } finally {
      await context.close();
    }
  });

  // Its own waits add up to more than the default 60 s (reconnecting backs off 1, 2, 4 … s), and a loaded machine
  // needs them: the default timeout would end it in whatever step came next.
  it("keeps the widget's conversation across a network drop and a reload; works at a phone's width", async () => {
    const { context, site, chat } = await openWidget({ width: 390, height: 780 });
    const contexts = [context];
    try {
      // Every widget socket passes through here, so the test can cut it like a dropped network.
      const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
      await context.routeWebSocket(/\/graphql$/, (ws) => {
        sockets.push({ page: ws, server: ws.connectToServer() });
      });
      const conversationId = await startChat(chat, { name: "Phil Phone", message: "Hello from my phone" });
      await screenshot(site, "widget-phone");
      // At a phone's width nothing scrolls sideways: the page, the chat panel.
      const chatFrame = site.frame({ url: /\/widget(\?|$)/ })!;
      expect(chatFrame).toBeTruthy();
      const widths = { site: await horizontalOverflow(site), chat: await horizontalOverflow(chatFrame) };
      expect(check("11.19", widths.site <= 0 && widths.chat <= 0), `overflow ${JSON.stringify(widths)}`).toBe(true);

      await context.setOffline(true);
      const cut = sockets.length;
      for (const ws of sockets) {
        await ws.server.close({ code: 1001, reason: "network drop" });
        await ws.page.close({ code: 1001, reason: "network drop" });
      }
      await chat.getByText("Connection lost. Reconnecting…").waitFor({ timeout: 20_000 });
      await context.setOffline(false);
      await chat.getByText("Connection lost. Reconnecting…").waitFor({ state: "detached", timeout: 30_000 });
      // A new socket, subscribed again, so a survey would still reach the card.
      await until(() => sockets.length > cut, 20_000, "the widget to reconnect");
      await until(() => server.running.app.presence.isOpen(conversationId), 20_000, "the widget to resubscribe");

      await site.reload();
      await site.getByRole("button", { name: "Chat with us" }).click();
      await chat.getByText("Hello from my phone").waitFor();
      expect(await chat.locator("#widget").getAttribute("data-conversation")).toBe(conversationId);

      // The teammate on a phone: a browser of their own, not the customer's (whose context routes its
      // sockets and has just been offline), at the same narrow width.
      const phoneContext = await browser.newContext({ viewport: { width: 390, height: 780 } });
      watch(phoneContext);
      contexts.push(phoneContext);
      const phone = await phoneContext.newPage();
      await signIn(phone, server.url, ADMIN, PASSWORD);
      await phone.goto(`${server.url}/inbox/${conversationId}`);
      await phone.getByRole("button", { name: "Resolve", exact: true }).waitFor();
      await screenshot(phone, "inbox-phone");
      expect(check("11.19", (await horizontalOverflow(phone)) <= 0), `the inbox overflows by ${await horizontalOverflow(phone)} px`).toBe(true);
      await phone.goto(`${server.url}/reports`);
      await phone.getByRole("list", { name: /Totals/ }).waitFor();
      await screenshot(phone, "reports-phone");
      expect(check("11.19", (await horizontalOverflow(phone)) <= 0), `the reports overflow by ${await horizontalOverflow(phone)} px`).toBe(true);
    } finally {
      for (const c of contexts) await c.close();
    }
  }, 150_000);

  it("an admin erases a widget customer from the conversation view, after a confirmation", async () => {
    const { context, chat } = await openWidget();
    try {
      const conversationId = await startChat(chat, { name: "Erik Erasable", email: "erik.erasable@example.com", message: "Please forget me" });
      await openAsAdmin(`/inbox/${conversationId}`);
      const detail = page.getByRole("region", { name: "Erik Erasable" });
      await detail.getByText("Please forget me").waitFor();
      await detail.getByRole("button", { name: "Erase customer" }).click();
      const dialog = page.getByRole("alertdialog", { name: "Erase Erik Erasable?" });
      // Cancel first: nothing happens.
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      await detail.getByRole("button", { name: "Erase customer" }).click();
      await dialog.getByRole("button", { name: "Erase for good" }).click();
      await page.getByRole("heading", { name: "Erased customer" }).waitFor();
      const erased = page.getByRole("region", { name: "Erased customer" });
      expect(await page.getByText("Please forget me").count()).toBe(0);
      await erased.getByText("(erased)").waitFor();
      await screenshot(page, "inbox-erased");
      const customer = await server.running.app.prisma.customer.findFirstOrThrow({ where: { conversations: { some: { id: conversationId } } } });
      expect(customer).toMatchObject({ name: "Erased customer", email: null });
    } finally {
      await context.close();
    }
  });

  it("keeps the widget's initial JavaScript under 15 KB gzipped", async () => {
    const dist = fileURLToPath(new URL("../../dist/", import.meta.url));
    const html = await readFile(`${dist}widget.html`, "utf8");
    const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    let total = 0;
    for (const script of scripts) total += gzipSync(await readFile(`${dist}${script}`), { level: 9 }).length;
    const embed = gzipSync(await readFile(`${dist}widget/embed.js`), { level: 9 }).length;
    expect(total).toBeLessThan(15_000);
    expect(embed).toBeLessThan(2_000);
  });
});
