import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gqlOk } from "../../../api/testkit/client.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, signIn, watchErrors } from "./support.js";

const ADMIN = "admin@demo.hydra.test";
const PASSWORD = "hydra-demo";
/** Screenshots of the pages this file touches, for people to look at. */
const SHOTS = process.env.TEAM_SHOTS_DIR ?? "/work/wt/shots/teammates";

async function shot(page: Page, name: string) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Issue 15 in a real browser: the Team page (list, add, deactivate with a confirm), the
 * conversation's assignee and labels, the survey panel saying why no survey was made, and the
 * survey rules in Settings; at desktop and phone width, with the keyboard.
 */
describe("teammates, assignment, labels and survey rules in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let adminToken: string;
  const contexts: BrowserContext[] = [];
  const watched: ReturnType<typeof watchErrors>[] = [];

  async function openPage(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(context);
    watched.push(watchErrors(context));
    const page = await context.newPage();
    await signIn(page, server.url, ADMIN, PASSWORD);
    return page;
  }

  async function newConversation(name: string, email: string): Promise<string> {
    const { channels } = await gqlOk(server.url, `{ channels { id } }`, {}, adminToken);
    const { createConversation } = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: channels[0].id, customer: { name, email }, firstMessage: "My order never arrived" } },
      adminToken,
    );
    return createConversation.id;
  }

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite", config: { seedDemo: true } }), launchChromium()]);
    server = started;
    browser = launched;
    adminToken = (await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: ADMIN, p: PASSWORD })).signIn
      .token;
  }, 180_000);

  afterEach(() => {
    const errors = watched.flatMap((w) => w.errors.splice(0));
    expect(errors, `page errors:\n${errors.join("\n")}\n${watched.map((w) => w.dump()).join("\n")}`).toEqual([]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
  });

  it("an admin adds a teammate with the keyboard and deactivates one after confirming (desktop)", async () => {
    const page = await openPage(1280);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Team", level: 1 }).waitFor();
    const table = page.getByRole("table", { name: "Teammates, active first" });
    await table.waitFor();

    // The form, by keyboard alone: type, Tab to the next field, choose the role with the arrows, Enter submits.
    await page.getByLabel("Name").focus();
    await page.keyboard.type("Robin Reyes");
    await page.keyboard.press("Tab");
    await page.keyboard.type("robin@demo.hydra.test");
    await page.keyboard.press("Tab");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    await page.keyboard.type("robin-password");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Added Robin Reyes" }).waitFor();
    const robin = table.getByRole("row", { name: /Robin Reyes/ });
    await expect.poll(() => robin.getByRole("cell", { name: "Admin" }).count(), { timeout: 10_000 }).toBe(1);

    // A taken address is refused with the reason, and the form keeps what was typed.
    await page.getByLabel("Name").fill("Robin Again");
    await page.getByLabel("Email").fill("robin@demo.hydra.test");
    await page.getByLabel("Password").fill("another-password");
    await page.getByRole("button", { name: "Add teammate" }).click();
    await page.getByRole("alert").filter({ hasText: "already exists" }).waitFor();
    await expect(page.getByLabel("Name").inputValue()).resolves.toBe("Robin Again");
    await shot(page, "team-1280");

    // Deactivating asks first: dismissing changes nothing; accepting deactivates.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await page.getByRole("button", { name: "Deactivate Robin Reyes" }).click();
    await expect(page.getByRole("button", { name: "Deactivate Robin Reyes" }).count()).resolves.toBe(1);
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByRole("button", { name: "Deactivate Robin Reyes" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Deactivated Robin Reyes" }).waitFor();
    expect(asked).toMatch(/signed out everywhere/);
    await table.getByRole("row", { name: /Robin Reyes/ }).getByRole("cell", { name: "Deactivated" }).waitFor();
    // Deactivated teammates are listed last.
    const names = await table.locator("tbody tr td:first-child").allInnerTexts();
    expect(names.at(-1)).toContain("Robin Reyes");
    const { teammates } = await gqlOk(server.url, `{ teammates { email active } }`, {}, adminToken);
    expect(teammates.find((t: { email: string }) => t.email === "robin@demo.hydra.test").active).toBe(false);
  });

  it("a teammate assigns and labels a conversation; an excluded label's resolve says why there is no survey (desktop)", async () => {
    await gqlOk(
      server.url,
      `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0, excludeLabels: ["spam"] }) { enabled } }`,
      {},
      adminToken,
    );
    const id = await newConversation("Quinn Customer", "quinn@example.com");
    const page = await openPage(1280);
    await page.goto(`${server.url}/inbox/${id}`);
    await page.getByRole("heading", { name: "Quinn Customer" }).waitFor();

    const assignee = page.getByLabel("Assigned to");
    await assignee.selectOption({ label: "Alan Agent" });
    await page.getByRole("status").filter({ hasText: "Assigned to Alan Agent" }).waitFor();

    // Labels by keyboard: type, Enter adds (lower-cased); the remove button says which label it removes.
    await page.getByLabel("New label").fill("Spam");
    await page.keyboard.press("Enter");
    await page.getByRole("list", { name: "Labels" }).getByText("spam").waitFor();
    await page.getByLabel("New label").fill("billing");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Remove the label billing" }).waitFor();
    await page.getByRole("button", { name: "Remove the label billing" }).click();
    await page.getByRole("button", { name: "Remove the label billing" }).waitFor({ state: "detached" });
    const read = await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { labels assignee { name } } }`, { id }, adminToken);
    expect(read.conversation).toEqual({ labels: ["spam"], assignee: { name: "Alan Agent" } });

    await page.getByRole("button", { name: "Resolve", exact: true }).click();
    const panel = page.getByRole("region", { name: "Satisfaction survey" });
    await panel.getByText("it has a label the survey rules exclude").waitFor();
    await shot(page, "conversation-assignment-1280");
  });

  it("at phone width: the Team page, the conversation's assignee and labels, and the rules in Settings fit and work", async () => {
    const page = await openPage(390);
    await page.goto(`${server.url}/teammates`);
    await page.getByRole("table", { name: "Teammates, active first" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, "team-390");

    const id = await newConversation("Sam Phone", "sam@example.com");
    await page.goto(`${server.url}/inbox/${id}`);
    await page.getByRole("heading", { name: "Sam Phone" }).waitFor();
    await page.getByLabel("Assigned to").selectOption({ label: "Ada Admin" });
    await page.getByRole("status").filter({ hasText: "Assigned to Ada Admin" }).waitFor();
    await page.getByLabel("New label").fill("vip");
    await page.getByRole("button", { name: "Add label" }).click();
    await page.getByRole("button", { name: "Remove the label vip" }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, "conversation-assignment-390");

    // The survey rules: a bad number is refused in words, with focus on it; a good one is saved.
    await page.goto(`${server.url}/settings/csat`);
    const rules = page.getByRole("form", { name: "Survey rules" });
    await rules.waitFor();
    await rules.getByLabel("Cooldown, in days").fill("400");
    await rules.getByRole("button", { name: "Save rules" }).click();
    await rules.getByRole("alert").filter({ hasText: "Cooldown must be a whole number from 0 to 365." }).waitFor();
    await expect(rules.getByLabel("Cooldown, in days").evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press("Control+A");
    await page.keyboard.type("7");
    await rules.getByLabel("Share of conversations surveyed, in percent").fill("50");
    await rules.getByLabel("Never survey conversations labelled").fill("Spam, internal");
    await page.keyboard.press("Enter");
    await rules.getByRole("status").filter({ hasText: "Survey rules saved." }).waitFor();
    const { csatSettings } = await gqlOk(server.url, `{ csatSettings { excludeLabels cooldownDays samplePercent } }`, {}, adminToken);
    expect(csatSettings).toEqual({ excludeLabels: ["spam", "internal"], cooldownDays: 7, samplePercent: 50 });
    await expect(rules.getByLabel("Never survey conversations labelled").inputValue()).resolves.toBe("spam, internal");
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, "settings-rules-390");
  });

  it("at desktop width, the rules section beside the other settings", async () => {
    const page = await openPage(1280);
    await page.goto(`${server.url}/settings/csat`);
    await page.getByRole("form", { name: "Survey rules" }).getByLabel("Cooldown, in days").waitFor();
    await shot(page, "settings-rules-1280");
  });
});
