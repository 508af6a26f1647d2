import { mkdir } from "node:fs/promises";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk, until } from "../../../api/testkit/client.js";
import { tokenFromEmail } from "../../../api/testkit/fixtures.js";
import { startTestServer, type TestServer } from "../../../api/testkit/server.js";
import { ensureWebBuild, horizontalOverflow, launchChromium, signIn, watchErrors } from "./support.js";

const ADMIN = "admin@demo.hydra.test";
const PASSWORD = "hydra-demo";
const SHOTS = "/work/wt/shots/i18n";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

async function shot(page: Page, name: string) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** The survey in the customer's language, in Chromium against a real server (PGlite, demo workspace). */
describe("languages, wording and reasons in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let adminToken: string;
  let channelId: string;
  let botId: string;
  const watched: ReturnType<typeof watchErrors>[] = [];

  beforeAll(async () => {
    const [, started, launched] = await Promise.all([ensureWebBuild(), startTestServer({ db: "pglite", config: { seedDemo: true } }), launchChromium()]);
    server = started;
    browser = launched;
    adminToken = (await gqlOk(server.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`, { e: ADMIN, p: PASSWORD }))
      .signIn.token;
    const { channels, bots } = await gqlOk(server.url, `{ channels { id name } bots { id } }`, {}, adminToken);
    channelId = channels.find((c: { name: string }) => c.name === "Website chat").id;
    botId = bots[0].id;
    await gqlOk(
      server.url,
      `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 0, reasons: ["Tardaron mucho", "No se resolvió"], reasonsAtOrBelow: 3 }) { enabled } }`,
      {},
      adminToken,
    );
  });

  afterAll(async () => {
    const errors = watched.flatMap((w) => w.errors);
    await browser?.close();
    await server?.stop();
    expect(errors, "page errors").toEqual([]);
  });

  async function context(viewport: { width: number; height: number }, locale = "en-US"): Promise<BrowserContext> {
    const made = await browser.newContext({ viewport, locale });
    watched.push(watchErrors(made));
    return made;
  }

  /** A customer whose browser speaks `locale` opens the widget, chats, and the teammate resolves: the card shows. */
  async function cardFor(locale: string, viewport: { width: number; height: number }): Promise<{ ctx: BrowserContext; site: Page; chat: FrameLocator; conversationId: string }> {
    const ctx = await context(viewport, locale);
    const site = await ctx.newPage();
    await site.goto(`${server.url}/widget-demo?channel=${channelId}`);
    await site.getByRole("button", { name: "Chat with us" }).click();
    const chat = site.frameLocator('iframe[title="Chat with us"]');
    await chat.getByLabel("Name").fill("Cliente");
    await chat.getByLabel("How can we help?").fill("Hola");
    await chat.getByRole("button", { name: "Start chat" }).click();
    await chat.getByRole("log", { name: "Messages" }).getByText("Hola").waitFor();
    const conversationId = (await chat.locator("#widget").getAttribute("data-conversation"))!;
    await until(() => server.running.app.presence.isOpen(conversationId), 10_000, "the widget's subscription");
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, adminToken);
    return { ctx, site, chat, conversationId };
  }

  it("the widget card in Spanish at phone width: the browser's language, reasons after a low score, the thank-you", async () => {
    const { ctx, site, chat, conversationId } = await cardFor("es-ES", PHONE);
    try {
      const card = chat.getByRole("region", { name: "¿Qué tal fue tu experiencia?" });
      await card.waitFor();
      expect(await card.getAttribute("lang")).toBe("es");
      await card.getByRole("button", { name: "Enviar" }).click();
      await card.getByText("Elige una valoración de 1 a 5 estrellas.").waitFor();
      await card.getByRole("button", { name: "2 estrellas" }).click();
      await card.getByText("2 de 5 — Mala").waitFor();
      await card.getByRole("button", { name: "No se resolvió" }).click();
      expect(await card.getByRole("button", { name: "No se resolvió" }).getAttribute("aria-pressed")).toBe("true");
      await card.getByLabel("Comentario").fill("Nadie me respondió");
      await shot(site, "widget-card-es-390");
      expect(await horizontalOverflow(site)).toBe(0);
      await card.getByRole("button", { name: "Enviar" }).click();
      await chat.getByRole("heading", { name: "¡Gracias por tu opinión!" }).waitFor();
      await shot(site, "widget-thanks-es-390");
      const survey = await server.running.app.prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId } });
      expect(survey).toMatchObject({ locale: "es", score: 2, reason: "No se resolvió", comment: "Nadie me respondió" });
    } finally {
      await ctx.close();
    }
  });

  it("the widget card in Arabic, right to left, at phone width and on a desktop", async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      const { ctx, site, chat } = await cardFor("ar-EG", viewport);
      try {
        const card = chat.getByRole("region", { name: "كيف كانت تجربتك؟" });
        await card.waitFor();
        expect(await card.getAttribute("dir")).toBe("rtl");
        // Right to left: the first star stands right of the fifth.
        const one = (await card.getByRole("button", { name: "نجمة واحدة" }).boundingBox())!;
        const five = (await card.getByRole("button", { name: "5 نجوم" }).boundingBox())!;
        expect(one.x).toBeGreaterThan(five.x);
        await card.getByRole("button", { name: "نجمتان" }).click();
        await card.getByText("2 من 5 — سيئة").waitFor();
        await shot(site, `widget-card-ar-${viewport.width}`);
        expect(await horizontalOverflow(site)).toBe(0);
      } finally {
        await ctx.close();
      }
    }
  });

  /** A survey emailed to a customer with `locale`; its token. */
  async function emailedSurvey(locale: string): Promise<string> {
    const created = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId, botId, customer: { name: "Rater", email: `rater-${locale}-${Date.now()}@example.com`, locale }, firstMessage: "Hi" } },
      adminToken,
    );
    const id = created.createConversation.id;
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, adminToken);
    const email = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId: id } } });
    return tokenFromEmail(email.html);
  }

  const checkedScore = (page: Page) => page.locator('input[name="score"]:checked').getAttribute("value");
  const xOf = async (page: Page, score: string) => (await page.locator(`label[for="s${score}"]`).boundingBox())!.x;

  it("the rating page: arrow keys move the way they point (left to right and right to left), labels show, an inline error, then a 303 to the thank-you", async () => {
    for (const [locale, viewport] of [["en", DESKTOP], ["ar", PHONE], ["ar", DESKTOP], ["es", PHONE]] as const) {
      const ctx = await context(viewport);
      const page = await ctx.newPage();
      try {
        await page.goto(`${server.url}/csat/${await emailedSurvey(locale)}`);
        expect(await page.locator("html").getAttribute("lang")).toBe(locale);
        // Submitting without a score: an inline error on the page, not only the browser's bubble.
        await page.locator('button[type="submit"]').click();
        await page.getByRole("alert").waitFor();
        expect(page.url()).toContain("/csat/");
        await page.locator("#s3").focus();
        await page.keyboard.press("Space");
        expect(await checkedScore(page)).toBe("3");
        for (const key of ["ArrowRight", "ArrowLeft"]) {
          const before = await checkedScore(page);
          await page.keyboard.press(key);
          const after = (await checkedScore(page))!;
          // The selection moved to the star on the side the arrow points to.
          if (key === "ArrowRight") expect(await xOf(page, after)).toBeGreaterThan(await xOf(page, before!));
          else expect(await xOf(page, after)).toBeLessThan(await xOf(page, before!));
        }
        if (locale === "ar") {
          expect(await page.locator("html").getAttribute("dir")).toBe("rtl");
          await page.getByText("ممتازة").waitFor();
        }
        await page.locator('label[for="s2"]').click();
        expect(await checkedScore(page)).toBe("2");
        await shot(page, `rating-page-${locale}-${viewport.width}`);
        expect(await horizontalOverflow(page)).toBe(0);
        await page.locator('button[type="submit"]').click();
        await page.waitForURL(/\?done=1$/);
        await shot(page, `rating-page-thanks-${locale}-${viewport.width}`);
        // A reload is a GET of the thank-you: nothing is posted again.
        const reloaded = await page.reload();
        expect(reloaded?.request().method()).toBe("GET");
      } finally {
        await ctx.close();
      }
    }
  });

  it("the settings preview shows the card and the email in any supported language, with the team's words", async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      await gqlOk(server.url, `mutation { updateCsatSettings(input: { texts: [] }) { enabled } }`, {}, adminToken);
      const ctx = await context(viewport);
      const page = await ctx.newPage();
      try {
        await signIn(page, server.url, ADMIN, PASSWORD);
        await page.goto(`${server.url}/settings/csat`);
        const section = page.getByRole("form", { name: "Language and wording" });
        await section.waitFor();
        await section.getByText("Reasons are your workspace's own words", { exact: false }).waitFor();
        const preview = section.getByTestId("wording-preview");
        await section.getByLabel("Language", { exact: true }).nth(1).selectOption("es");
        await preview.getByText("¿Qué tal fue tu experiencia?").first().waitFor();
        await preview.getByText("Tardaron mucho").waitFor();
        // The team's own question for Spanish replaces the built-in one there, and only there.
        await section.getByLabel("Language", { exact: true }).first().selectOption("es");
        await section.getByLabel("Question").fill("¿Te atendimos bien?");
        await preview.getByText("¿Te atendimos bien?").first().waitFor();
        await section.getByLabel("Language", { exact: true }).nth(1).selectOption("ar");
        expect(await preview.locator('figure[lang="ar"]').first().getAttribute("dir")).toBe("rtl");
        await preview.getByText("كيف كانت تجربتك؟").first().waitFor();
        await shot(page, `settings-wording-ar-${viewport.width}`);
        expect(await horizontalOverflow(page)).toBe(0);
        await section.getByLabel("Language", { exact: true }).nth(1).selectOption("es");
        await section.getByRole("button", { name: "Update wording" }).click();
        await section.getByText("Wording updated.").waitFor();
        await shot(page, `settings-wording-es-${viewport.width}`);
      } finally {
        await ctx.close();
      }
    }
    const { csatSettings } = await gqlOk(server.url, `{ csatSettings { texts { locale question thankYou } } }`, {}, adminToken);
    expect(csatSettings.texts).toEqual([{ locale: "es", question: "¿Te atendimos bien?", thankYou: "¡Gracias por tu opinión!" }]);
  });
});
