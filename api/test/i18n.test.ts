import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as en from "../../shared/i18n/catalogs/en.js";
import { SUPPORTED_LOCALES } from "../src/services/i18n/locales.js";
import { CATALOGS, acceptedLocale, pickLocale, translator } from "../src/services/i18n/messages.js";
import { codes, collect, gql, gqlOk, until, wsClient } from "../testkit/client.js";
import { createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../testkit/fixtures.js";
import { startResendStandIn } from "../testkit/resend.js";
import { createManualClock } from "../src/clock.js";
import { DB_KINDS, startTestServer, type DbKind, type TestServer } from "../testkit/server.js";

describe("catalogs", () => {
  it("every supported locale has exactly the English keys, each a message ICU can format", () => {
    const keys = (o: object) => Object.keys(o).sort();
    expect(SUPPORTED_LOCALES.length).toBeGreaterThanOrEqual(8);
    expect(SUPPORTED_LOCALES.some((l) => translator(l).dir === "rtl")).toBe(true);
    for (const locale of SUPPORTED_LOCALES) {
      expect(keys(CATALOGS[locale].widget), `${locale} widget keys`).toEqual(keys(en.widget));
      expect(keys(CATALOGS[locale].server), `${locale} server keys`).toEqual(keys(en.server));
      const { t } = translator(locale);
      for (const key of [...Object.keys(en.widget), ...Object.keys(en.server)]) {
        expect(() => t(key as never, { count: 2, score: 3, seconds: 2, label: "x", workspace: "W", link: "L", subject: "S", expiresAt: new Date(), a: ((chunks: unknown[]) => chunks.join("")) as never })).not.toThrow();
      }
    }
  });

  it("a missing or extra key fails the comparison the test above makes", () => {
    const broken = { ...en.widget } as Record<string, string>;
    delete broken.submit;
    expect(Object.keys(broken).sort()).not.toEqual(Object.keys(en.widget).sort());
  });

  it("picks exact → language → workspace default → en; Accept-Language by weight", () => {
    expect(pickLocale("es", "en")).toBe("es");
    expect(pickLocale("pt-BR", "en")).toBe("pt");
    expect(pickLocale("zz-ZZ", "de")).toBe("de");
    expect(pickLocale(null, "fr")).toBe("fr");
    expect(pickLocale("zz", "xx")).toBe("en");
    expect(acceptedLocale("pt-BR,fr;q=0.5")).toBe("pt");
    expect(acceptedLocale("ja, de;q=0.1")).toBe("de");
    expect(acceptedLocale("ja")).toBeNull();
    expect(translator("es").t("stars", { count: 1 })).toBe("1 estrella");
    expect(translator("ar").t("stars", { count: 2 })).toBe("نجمتان");
  });
});

describe.each(DB_KINDS)("the survey in the customer's language on %s", (db: DbKind) => {
  let server: TestServer;
  let ws: WorkspaceFixture;

  beforeAll(async () => {
    server = await startTestServer({ db });
    ws = await createWorkspaceFixture(server.url, "Acme");
    await enableCsat(server.url, ws.token, 0);
  });
  afterAll(() => server?.stop());

  async function resolvedSurvey(customer: { name: string; email?: string; locale?: string }) {
    const data = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id customer { locale } } }`,
      { input: { channelId: ws.channelId, botId: ws.botId, customer, firstMessage: "Hola" } },
      ws.token,
    );
    const id = data.createConversation.id as string;
    const resolved = await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { csatSurvey { locale } } }`, { id }, ws.token);
    const email = await server.running.app.prisma.emailOutbox.findFirst({ where: { survey: { conversationId: id } } });
    return { id, customerLocale: data.createConversation.customer.locale, locale: resolved.resolveConversation.csatSurvey.locale, email };
  }

  it("a customer with locale es gets a Spanish email and a Spanish rating page; pt-BR falls back to pt, an unknown one to the default", async () => {
    const es = await resolvedSurvey({ name: "Ana", email: "ana@example.com", locale: "es" });
    expect(es).toMatchObject({ customerLocale: "es", locale: "es" });
    expect(es.email!.subject).toBe("¿Qué tal fue tu experiencia con Acme?");
    expect(es.email!.html).toContain('<html lang="es" dir="ltr">');
    expect(es.email!.html).toContain("¿Qué tal fue tu experiencia?");
    expect(es.email!.text).toContain("Valora tu conversación reciente con Acme:");
    expect(es.email!.html).toMatch(/El enlace funciona hasta el \d+ de \p{L}+ de \d{4}/u);
    const token = tokenFromEmail(es.email!.html);
    const page = await fetch(`${server.url}/csat/${token}`, { headers: { "accept-language": "fr" } });
    const html = await page.text();
    expect(html).toContain('<html lang="es" dir="ltr">');
    expect(html).toContain("Muy mala");
    expect(html).toContain("Excelente");
    const survey = await gqlOk(server.url, `query($t: String!) { csatSurveyByToken(token: $t) { locale question thankYou } }`, { t: token });
    expect(survey.csatSurveyByToken).toEqual({ locale: "es", question: "¿Qué tal fue tu experiencia?", thankYou: "¡Gracias por tu opinión!" });
    // The unsubscribe page speaks the survey's language too, asking and answering.
    const unsubscribePath = es.email!.html.match(/\/api\/csat\/unsubscribe\/[0-9a-f]{64}/)![0];
    const ask = await (await fetch(`${server.url}${unsubscribePath}`, { headers: { "accept-language": "fr" } })).text();
    expect(ask).toContain('<html lang="es" dir="ltr">');
    expect(ask).toContain("¿Darte de baja de los correos de encuesta?");
    expect(ask).toContain(">Darme de baja</button>");
    const done = await (await fetch(`${server.url}${unsubscribePath}`, { method: "POST" })).text();
    expect(done).toContain("Te has dado de baja");
    expect(done).toContain("Ya no recibirás más correos de encuestas de satisfacción de Acme.");
    const unknownLink = await fetch(`${server.url}/api/csat/unsubscribe/${"0".repeat(64)}`, { headers: { "accept-language": "ar" } });
    expect(unknownLink.status).toBe(404);
    const unknownPage = await unknownLink.text();
    expect(unknownPage).toContain('<html lang="ar" dir="rtl">');
    expect(unknownPage).toContain("هذا الرابط لا يعمل");

    const br = await resolvedSurvey({ name: "Bia", email: "bia@example.com", locale: "pt-br" });
    expect(br).toMatchObject({ customerLocale: "pt-BR", locale: "pt" });
    expect(br.email!.subject).toBe("Como foi a sua experiência com Acme?");

    await gqlOk(server.url, `mutation { updateCsatSettings(input: { defaultLocale: "de" }) { defaultLocale } }`, {}, ws.token);
    const unknown = await resolvedSurvey({ name: "Kai", email: "kai@example.com", locale: "ja" });
    expect(unknown.locale).toBe("de");
    expect(unknown.email!.subject).toBe("Wie war Ihre Erfahrung mit Acme?");
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { defaultLocale: "en" }) { defaultLocale } }`, {}, ws.token);
  });

  it("erasing a customer erases their locale; their survey keeps the language it was asked in", async () => {
    const ana = await resolvedSurvey({ name: "Erase Me", email: "erase@example.com", locale: "it" });
    const conversation = await server.running.app.prisma.conversation.findUniqueOrThrow({ where: { id: ana.id } });
    await gqlOk(server.url, `mutation($id: ID!) { eraseCustomer(id: $id) }`, { id: conversation.customerId }, ws.token);
    expect((await server.running.app.prisma.customer.findUniqueOrThrow({ where: { id: conversation.customerId } })).locale).toBeNull();
    expect((await server.running.app.prisma.csatSurvey.findUniqueOrThrow({ where: { conversationId: ana.id } })).locale).toBe("it");
  });

  it("refuses a locale that is not BCP 47, and changes nothing", async () => {
    const before = await server.running.app.prisma.customer.count();
    const bad = await gql(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { channelId: ws.channelId, customer: { name: "X", locale: "not a locale!" } } },
      ws.token,
    );
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(await server.running.app.prisma.customer.count()).toBe(before);
  });

  it("Arabic is right to left in the email and on the page; with no stored locale the page follows Accept-Language", async () => {
    const ar = await resolvedSurvey({ name: "Layla", email: "layla@example.com", locale: "ar-EG" });
    expect(ar.locale).toBe("ar");
    expect(ar.email!.html).toContain('<html lang="ar" dir="rtl">');
    const token = tokenFromEmail(ar.email!.html);
    const page = await (await fetch(`${server.url}/csat/${token}`)).text();
    expect(page).toContain('<html lang="ar" dir="rtl">');
    expect(page).toContain("كيف كانت تجربتك؟");

    const none = await resolvedSurvey({ name: "Nobody", email: "nobody@example.com" });
    expect(none.locale).toBe("en");
    const noneToken = tokenFromEmail(none.email!.html);
    const french = await (await fetch(`${server.url}/csat/${noneToken}`, { headers: { "accept-language": "fr-CA,fr;q=0.9,en;q=0.5" } })).text();
    expect(french).toContain('<html lang="fr" dir="ltr">');
    expect(french).toContain("Comment s&#39;est passée votre expérience ?");
    const english = await (await fetch(`${server.url}/csat/${noneToken}`)).text();
    expect(english).toContain('<html lang="en" dir="ltr">');
    // Not found, in the browser's language.
    const missing = await fetch(`${server.url}/csat/${"0".repeat(32)}`, { headers: { "accept-language": "es" } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Encuesta no encontrada");
  });

  it("custom wording replaces the built-in one for its locale only, and is audited", async () => {
    await gqlOk(
      server.url,
      `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { texts { locale question thankYou } } }`,
      { input: { texts: [{ locale: "es", question: "¿Te ayudamos bien?", thankYou: "¡Mil gracias!" }] } },
      ws.token,
    );
    const audit = await server.running.app.prisma.auditEntry.findFirst({ where: { workspaceId: ws.workspaceId }, orderBy: { createdAt: "desc" } });
    expect(JSON.stringify(audit!.after)).toContain("¿Te ayudamos bien?");
    const es = await resolvedSurvey({ name: "Eva", email: "eva@example.com", locale: "es" });
    expect(es.email!.html).toContain("¿Te ayudamos bien?");
    expect(es.email!.text.split("\n")[0]).toBe("¿Te ayudamos bien?");
    const token = tokenFromEmail(es.email!.html);
    expect((await gqlOk(server.url, `query($t: String!) { csatSurveyByToken(token: $t) { question thankYou } }`, { t: token })).csatSurveyByToken).toEqual({
      question: "¿Te ayudamos bien?",
      thankYou: "¡Mil gracias!",
    });
    const fr = await resolvedSurvey({ name: "Luc", email: "luc@example.com", locale: "fr" });
    expect(fr.email!.html).toContain("Comment s&#39;est passée votre expérience ?");
    expect(fr.email!.html).not.toContain("¿Te ayudamos bien?");
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { texts: [] }) { enabled } }`, {}, ws.token);
  });

  it("the widget's prompt is in the customer's language (CsatPrompt.locale) with its thank-you and reasons", async () => {
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { reasons: ["Demasiado lento"], reasonsAtOrBelow: 2 }) { enabled } }`, {}, ws.token);
    const started = await gqlOk(
      server.url,
      `mutation($input: StartWidgetConversationInput!) { startWidgetConversation(input: $input) { visitorToken conversation { id } } }`,
      { input: { channelId: ws.channelId, customer: { name: "Wendy", locale: "es-MX" }, firstMessage: "Hola" } },
    );
    const { visitorToken, conversation } = started.startWidgetConversation;
    expect((await server.running.app.prisma.customer.findFirst({ where: { conversations: { some: { id: conversation.id } } } }))?.locale).toBe("es-MX");
    const client = wsClient(server.wsUrl, { visitorToken });
    const sub = collect(
      client,
      `subscription($id: ID!) { csatRequested(conversationId: $id) { locale question thankYou reasons reasonsAtOrBelow } }`,
      { id: conversation.id },
    );
    try {
      await until(async () => server.running.app.presence.isOpen(conversation.id), 5000, "the widget's subscription");
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversation.id }, ws.token);
      await until(() => sub.events.length > 0, 5000, "the prompt");
      expect(sub.events[0]!.data!.csatRequested).toEqual({
        locale: "es",
        question: "¿Qué tal fue tu experiencia?",
        thankYou: "¡Gracias por tu opinión!",
        reasons: ["Demasiado lento"],
        reasonsAtOrBelow: 2,
      });
    } finally {
      sub.dispose();
      await client.dispose();
    }
    await gqlOk(server.url, `mutation { updateCsatSettings(input: { reasons: [], reasonsAtOrBelow: 3 }) { enabled } }`, {}, ws.token);
  });
});

describe.each(DB_KINDS)("the reminder in the survey's language on %s", (db: DbKind) => {
  it("a Spanish survey's reminder has a Spanish subject and the same Spanish body", async () => {
    const resend = await startResendStandIn();
    const clock = createManualClock(new Date("2026-06-01T12:00:00Z"));
    const server = await startTestServer({ db, clock, config: { resendApiKey: "re_i18n", resendBaseUrl: resend.url } });
    try {
      const ws = await createWorkspaceFixture(server.url, "Acme");
      await enableCsat(server.url, ws.token, 0);
      await gqlOk(server.url, `mutation { updateCsatSettings(input: { reminderAfterDays: 2 }) { enabled } }`, {}, ws.token);
      for (const [name, locale] of [["ana", "es"], ["sam", "ar"]] as const) {
        const created = await gqlOk(
          server.url,
          `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
          { input: { channelId: ws.channelId, customer: { name, email: `${name}@i18n.test`, locale }, firstMessage: "Hola" } },
          ws.token,
        );
        await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: created.createConversation.id }, ws.token);
      }
      await server.running.workers.runOnce();
      await until(() => resend.delivered.size === 2, 10_000, "two survey emails");
      clock.advance(2 * 86_400_000 + 60_000);
      await server.running.workers.runOnce();
      await server.running.workers.runOnce();
      await until(() => resend.deliveredTo("ana@i18n.test") === 2 && resend.deliveredTo("sam@i18n.test") === 2, 10_000, "two reminders");
      const [survey, reminder] = resend.deliveredEmails("ana@i18n.test");
      expect(survey!.body.subject).toBe("¿Qué tal fue tu experiencia con Acme?");
      expect(reminder!.body.subject).toBe("Recordatorio: ¿Qué tal fue tu experiencia con Acme?");
      expect(reminder!.body.html).toContain('<html lang="es" dir="ltr">');
      expect(resend.deliveredEmails("sam@i18n.test")[1]!.body.subject).toBe("تذكير: كيف كانت تجربتك مع Acme؟");
    } finally {
      await server.stop();
      await resend.stop();
    }
  }, 120_000);
});
