import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gqlOk, until } from "../../../api/testkit/client.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { shot } from "./shots.js";
import { ensureWebBuild, launchChromium, watchErrors } from "./support.js";

const ADMIN = "admin@demo.hydra.test";
const PASSWORD = "hydra-demo";

/** Issue 16 part 3: the widget keeps the chat going after resolve, and the customer's reply reopens it. */
describe("the chat widget after resolve", () => {
  let server: TestServer;
  let browser: Browser;
  let adminToken: string;
  let channelId: string;
  const watched: ReturnType<typeof watchErrors>[] = [];

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite", config: { seedDemo: true } }), launchChromium()]);
    server = started;
    browser = launched;
    adminToken = (await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: ADMIN, p: PASSWORD }))
      .signIn.token;
    channelId = (await gqlOk(server.url, `{ channels { id name } }`, {}, adminToken)).channels.find((c: { name: string }) => c.name === "Website chat").id;
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0 }) { enabled } }`, {}, adminToken);
  });

  afterEach(() => {
    const errors = watched.flatMap((w) => w.errors.splice(0));
    expect(errors, watched.map((w) => w.dump()).join("\n")).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openWidget(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; site: Page; chat: FrameLocator }> {
    const context = await browser.newContext({ viewport });
    watched.push(watchErrors(context));
    const site = await context.newPage();
    await site.goto(`${server.url}/widget-demo?channel=${channelId}`);
    await site.getByRole("button", { name: "Chat with us" }).click();
    return { context, site, chat: site.frameLocator('iframe[title="Chat with us"]') };
  }

  async function startChat(chat: FrameLocator, name: string, message: string): Promise<string> {
    await chat.getByLabel("Name").fill(name);
    await chat.getByLabel("How can we help?").fill(message);
    await chat.getByRole("button", { name: "Start chat" }).click();
    await chat.getByRole("log", { name: "Messages" }).getByText(message).waitFor();
    const id = (await chat.locator("#widget").getAttribute("data-conversation"))!;
    await until(() => server.running.app.presence.isOpen(id), 10_000, "the widget's subscription");
    return id;
  }

  const statusOf = async (id: string) => (await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { status } }`, { id }, adminToken)).conversation.status;
  const resolve = (id: string) => gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, adminToken);

  it("keeps the composer and its text, notes the resolve above the card, reopens on a reply, and keeps one answerable card", async () => {
    const { context, site, chat } = await openWidget({ width: 1280, height: 800 });
    try {
      // The launcher is the panel's close button while it is open.
      const launcher = site.locator("#hydra-chat-button");
      expect(await launcher.getAttribute("aria-label")).toBe("Close chat");
      expect(await launcher.getAttribute("aria-expanded")).toBe("true");

      const id = await startChat(chat, "Rhea Resolve", "My invoice is wrong");
      await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Half-typed thought");
      await resolve(id);

      const card = chat.getByRole("region", { name: "How was your experience?" });
      await card.waitFor();
      // Focus moves to the card; the note sits right above it; the composer stays with what was typed.
      await expect.poll(() => chat.locator(":focus").textContent()).toBe("How was your experience?");
      const items = await chat.locator(".w-log > li").evaluateAll((list) => list.map((li) => li.className));
      expect(items.slice(-2)).toEqual(["note", "card-item"]);
      await chat.getByText("This conversation was resolved.").waitFor();
      expect(await chat.getByRole("textbox", { name: "Message", exact: true }).inputValue()).toBe("Half-typed thought");
      expect(await chat.getByRole("button", { name: "Start a new conversation" }).isVisible()).toBe(true);
      await shot(site, "widget-resolved");

      // The customer's reply reopens this same conversation; the card stays, still answerable.
      await chat.getByRole("textbox", { name: "Message", exact: true }).fill("Actually, one more question");
      await chat.getByRole("button", { name: "Send" }).click();
      await chat.getByText("Actually, one more question").waitFor();
      await expect.poll(() => statusOf(id)).toBe("OPEN");
      await chat.getByText("This conversation was resolved.").waitFor({ state: "detached" });
      expect(await chat.locator("#widget").getAttribute("data-conversation")).toBe(id);
      expect(await card.getAttribute("data-state")).toBe("ask");
      await shot(site, "widget-reopened");

      await card.getByRole("button", { name: "5 stars" }).click();
      await card.getByRole("button", { name: "Submit" }).click();
      await chat.getByRole("heading", { name: "Thank you for your feedback!" }).waitFor();
      const surveys = await server.running.app.prisma.csatSurvey.findMany({ where: { conversationId: id } });
      expect(surveys).toMatchObject([{ state: "SUBMITTED", score: 5 }]);

      // Resolved again: no second card, the note comes back above the answered one.
      await resolve(id);
      await chat.getByText("This conversation was resolved.").waitFor();
      expect(await chat.locator(".card-item").count()).toBe(1);
      expect(await server.running.app.prisma.csatSurvey.count({ where: { conversationId: id } })).toBe(1);

      // The launcher closes the panel and becomes the launcher again.
      await launcher.click();
      expect(await site.locator("#hydra-chat").isHidden()).toBe(true);
      expect(await launcher.getAttribute("aria-label")).toBe("Chat with us");
      await shot(site, "widget-closed");
    } finally {
      await context.close();
    }
  }, 90_000);

  it("on a phone the full-screen widget keeps Tab inside it", async () => {
    const { context, site, chat } = await openWidget({ width: 390, height: 780 });
    try {
      const id = await startChat(chat, "Pia Phone", "Hello from a phone");
      await resolve(id);
      await chat.getByRole("region", { name: "How was your experience?" }).waitFor();
      await shot(site, "widget-resolved");
      const frame = site.frame({ url: /\/widget(\?|$)/ })!;
      const focused = () => frame.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "");
      // From the last control, Tab goes to the first (the widget's close button), and back with Shift+Tab.
      await chat.getByRole("button", { name: "Start a new conversation" }).focus();
      await site.keyboard.press("Tab");
      expect(await focused()).toBe("Close chat");
      expect(await frame.evaluate(() => document.hasFocus())).toBe(true);
      await site.keyboard.press("Shift+Tab");
      expect(await focused()).toBe("Start a new conversation");
      for (let i = 0; i < 15; i++) await site.keyboard.press("Tab");
      expect(await frame.evaluate(() => document.hasFocus())).toBe(true);
    } finally {
      await context.close();
    }
  }, 90_000);
});
