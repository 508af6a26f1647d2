import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk } from "../testkit/client.js";
import { createWorkspaceFixture } from "../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

// The second release's settings: wording, languages, rules, reasons and follow-ups, saved and audited
// like the toggle; bad values refused with nothing changed. On PGlite and PostgreSQL.

const FIELDS = `enabled delayMinutes retentionDays reminderAfterDays defaultLocale texts { locale question thankYou }
  supportedLocales excludeLabels cooldownDays samplePercent reasons reasonsAtOrBelow followUpAtOrBelow`;

describe.each(DB_KINDS)("CSAT settings, second release, on %s", (db) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ db });
  });
  afterAll(() => server?.stop());

  const update = (token: string, input: Record<string, unknown>) =>
    gql(server.url, `mutation($input: CsatSettingsInput!) { updateCsatSettings(input: $input) { ${FIELDS} } }`, { input }, token);
  const read = async (token: string) => (await gqlOk(server.url, `{ csatSettings { ${FIELDS} } }`, {}, token)).csatSettings;
  const auditCount = async (token: string) => (await gqlOk(server.url, `{ auditLog { id } }`, {}, token)).auditLog.length;

  it("a new workspace has the documented defaults, and at least 8 locales with one right-to-left", async () => {
    const ws = await createWorkspaceFixture(server.url, "Defaults");
    const settings = await read(ws.token);
    expect(settings).toMatchObject({
      defaultLocale: "en", texts: [], excludeLabels: [], cooldownDays: 0, samplePercent: 100, reasons: [], reasonsAtOrBelow: 3,
      followUpAtOrBelow: 2, retentionDays: 0, reminderAfterDays: 0,
    });
    expect(settings.supportedLocales.length).toBeGreaterThanOrEqual(8);
    expect(settings.supportedLocales).toContain("en");
    expect(settings.supportedLocales.some((l: string) => ["ar", "he"].includes(l))).toBe(true);
  });

  it("saves every new field, normalises labels, and writes one audit entry with before and after", async () => {
    const ws = await createWorkspaceFixture(server.url, "Rules");
    const input = {
      defaultLocale: "es",
      texts: [{ locale: "es", question: "¿Qué tal le atendimos?", thankYou: "¡Gracias!" }],
      excludeLabels: ["Spam", " spam ", "VIP"],
      cooldownDays: 7,
      samplePercent: 50,
      reasons: ["Too slow", "Not solved"],
      reasonsAtOrBelow: 2,
      followUpAtOrBelow: 1,
    };
    const result = await update(ws.token, input);
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateCsatSettings).toMatchObject({ ...input, excludeLabels: ["spam", "vip"] });
    expect(await read(ws.token)).toMatchObject({ ...input, excludeLabels: ["spam", "vip"] });
    const log = (await gqlOk(server.url, `{ auditLog { action before after } }`, {}, ws.token)).auditLog;
    expect(log).toHaveLength(1);
    expect(JSON.parse(log[0].before)).toMatchObject({ defaultLocale: "en", texts: [], cooldownDays: 0 });
    expect(JSON.parse(log[0].after)).toMatchObject({ defaultLocale: "es", texts: input.texts, cooldownDays: 7, excludeLabels: ["spam", "vip"] });
    // The same values again: nothing written.
    await update(ws.token, input);
    expect(await auditCount(ws.token)).toBe(1);
  });

  it.each([
    ["defaultLocale", { defaultLocale: "xx" }],
    ["texts: unsupported locale", { texts: [{ locale: "xx", question: "Q", thankYou: "T" }] }],
    ["texts: too long", { texts: [{ locale: "en", question: "q".repeat(201), thankYou: "T" }] }],
    ["texts: control character", { texts: [{ locale: "en", question: "How\nwas it?", thankYou: "T" }] }],
    ["texts: a locale twice", { texts: [{ locale: "en", question: "A", thankYou: "B" }, { locale: "en", question: "C", thankYou: "D" }] }],
    ["cooldownDays", { cooldownDays: 366 }],
    ["samplePercent 0", { samplePercent: 0 }],
    ["samplePercent 101", { samplePercent: 101 }],
    ["reasons: 11", { reasons: Array.from({ length: 11 }, (_, i) => `Reason ${i}`) }],
    ["reasons: too long", { reasons: ["r".repeat(61)] }],
    ["reasons: twice", { reasons: ["Slow", "Slow"] }],
    ["reasonsAtOrBelow", { reasonsAtOrBelow: 0 }],
    ["followUpAtOrBelow", { followUpAtOrBelow: 6 }],
    ["excludeLabels: 21", { excludeLabels: Array.from({ length: 21 }, (_, i) => `l${i}`) }],
  ])("refuses %s with BAD_USER_INPUT and changes nothing", async (_name, input) => {
    const ws = await createWorkspaceFixture(server.url, "Refused");
    const before = await read(ws.token);
    const result = await update(ws.token, { enabled: true, ...input });
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(await read(ws.token)).toEqual(before);
    expect(await auditCount(ws.token)).toBe(0);
  });
});
