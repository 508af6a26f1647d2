import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gqlOk, until } from "../../../api/testkit/client.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { startWebhookReceiver } from "../../../api/testkit/webhookReceiver.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, screenshot, signIn, watchErrors } from "./support.js";

const ADMIN = "admin@demo.hydra.test";
const AGENT = "agent@demo.hydra.test";
const PASSWORD = "hydra-demo";

/** The Webhooks settings page in Chromium against a real server (PGlite, demo workspace) and a real receiver. */
describe("webhooks page in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let adminToken: string;
  const contexts: BrowserContext[] = [];
  const watched: ReturnType<typeof watchErrors>[] = [];

  async function openPage(width: number, email = ADMIN): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    contexts.push(context);
    watched.push(watchErrors(context));
    const page = await context.newPage();
    await signIn(page, server.url, email, PASSWORD);
    return page;
  }

  beforeAll(async () => {
    const [, started, launched, hooks] = await Promise.all([
      ensureWebBuild(),
      startTestServer({ db: "pglite", config: { seedDemo: true } }),
      launchChromium(),
      startWebhookReceiver(),
    ]);
    server = started;
    browser = launched;
    receiver = hooks;
    adminToken = (await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: ADMIN, p: PASSWORD }))
      .signIn.token;
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0 }) { enabled } }`, {}, adminToken);
  }, 180_000);

  afterEach(() => {
    const errors = watched.flatMap((w) => w.errors.splice(0));
    expect(errors, `page errors:\n${errors.join("\n")}\n${watched.map((w) => w.dump()).join("\n")}`).toEqual([]);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await receiver?.stop();
    await server?.stop();
  });

  it("an admin adds an endpoint with the keyboard, copies its secret (shown once), sees its deliveries and deletes it", async () => {
    const page = await openPage(1280);
    await page.goto(`${server.url}/settings/csat`);
    // From the settings navigation, by keyboard.
    const link = page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Webhooks" });
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    expect(await link.getAttribute("aria-current")).toBe("page");
    await page.getByText("This workspace has no webhook endpoint yet.").waitFor();

    // A bad URL is refused with a message, and nothing is listed.
    await page.getByLabel("URL").fill("http://hooks.example.com/");
    await page.getByLabel("URL").press("Enter");
    await page.getByRole("status").filter({ hasText: "https" }).first().waitFor();

    // URL, then Tab to the events: Space unticks the follow-up event; Enter on the button adds it.
    await page.getByLabel("URL").fill(receiver.url);
    await page.keyboard.press("Tab");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("type"))).toBe("checkbox");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Space");
    expect(await page.getByLabel(/A follow-up opens/).isChecked()).toBe(false);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Endpoint added" }).waitFor();
    const secret = (await page.getByLabel("Signing secret").innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.setSecret(secret);
    await page.getByRole("button", { name: "Copy secret" }).click();
    await page.getByText("Copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const endpoint = page.getByRole("listitem").filter({ hasText: receiver.url });
    await endpoint.getByText("csat.survey.dispatched, csat.response.created").waitFor();

    // An event: a conversation resolved with CSAT on dispatches a survey, POSTed to the receiver.
    const { channels, bots } = await gqlOk(server.url, `{ channels { id } bots { id } }`, {}, adminToken);
    const created = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: channels[0].id, botId: bots[0].id, customer: { name: "Hook Customer", email: "hook@example.com" }, firstMessage: "Hi" } },
      adminToken,
    );
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: created.createConversation.id }, adminToken);
    await until(() => receiver.accepted().length === 1, 10_000, "the webhook");

    await endpoint.getByRole("button", { name: /Show deliveries/ }).click();
    const row = endpoint.getByRole("row").filter({ hasText: "csat.survey.dispatched" });
    await row.getByText("Delivered").waitFor();
    expect(await row.innerText()).toContain("204");
    await screenshot(page, "webhooks-1280");

    // Reloaded, the page shows the endpoint but never its secret again.
    await page.reload();
    await page.getByRole("listitem").filter({ hasText: receiver.url }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Phone width: no sideways scrolling, deliveries readable.
    const phone = await openPage(390);
    await phone.goto(`${server.url}/settings/webhooks`);
    const phoneEndpoint = phone.getByRole("listitem").filter({ hasText: receiver.url });
    await phoneEndpoint.getByRole("button", { name: /Show deliveries/ }).click();
    await phoneEndpoint.getByRole("row").filter({ hasText: "csat.survey.dispatched" }).getByText("Delivered", { exact: true }).waitFor();
    expect(await horizontalOverflow(phone)).toBe(0);
    await screenshot(phone, "webhooks-390");

    // Delete, by keyboard, after a confirmation.
    page.once("dialog", (dialog) => void dialog.accept());
    const remove = page.getByRole("button", { name: `Delete ${receiver.url}` });
    await remove.focus();
    await page.keyboard.press("Enter");
    await page.getByText("This workspace has no webhook endpoint yet.").waitFor();
    expect((await gqlOk(server.url, `{ webhookEndpoints { id } }`, {}, adminToken)).webhookEndpoints).toEqual([]);
  });

  it("an agent is told the page is for admins", async () => {
    const agent = await openPage(390, AGENT);
    await agent.goto(`${server.url}/settings/webhooks`);
    await agent.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await agent.getByText(/admin/i).first().waitFor();
    expect(await agent.getByLabel("URL").count()).toBe(0);
    expect(await horizontalOverflow(agent)).toBe(0);
    await screenshot(agent, "webhooks-agent-390");
  });
});
