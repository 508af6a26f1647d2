/**
 * Issue 11, items 2, 7, 13 and 16: what a stranger can make the service do. Sign-up is the
 * operator's choice and nothing typed reaches an email header; every survey email can be
 * unsubscribed from; public mutations are limited per IP (and per account, per conversation);
 * passwords are hashed with scrypt N=2^17; browser origins come from PUBLIC_URL and
 * ALLOWED_ORIGINS; X-Forwarded-For is believed only from TRUSTED_PROXIES.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readConfig, type Config } from "../../src/config.js";
import { createClientIp } from "../../src/http/rateLimit.js";
import { hashPassword } from "../../src/tokens.js";
import { Redis } from "ioredis";
import { gql, gqlOk, until, type GqlResult } from "../../testkit/client.js";
import { startRedis } from "../../testkit/processes.js";
import { createConversation, createWorkspaceFixture, enableCsat, type WorkspaceFixture } from "../../testkit/fixtures.js";
import { startResendStandIn } from "../../testkit/resend.js";
import { createTestDatabase, DB_KINDS, startTestServer, type DbKind, type TestServer } from "../../testkit/server.js";
import { check, saveChecks } from "./checks.js";

afterAll(() => saveChecks("abuse"));

const PASSWORD = "correct horse battery";
const OPERATOR_TOKEN = "op_" + "x".repeat(40);
const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { token workspace { id name } admin { id } } }`;
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }`;
const START_WIDGET = `mutation($c: ID!, $n: String!) { startWidgetConversation(input: { channelId: $c, customer: { name: $n } }) { visitorToken conversation { id } } }`;
const SEND = `mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id } }`;

/** A GraphQL request with headers of our choosing (Origin, X-Forwarded-For, Authorization). */
async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResult & { headers: Headers }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as object), status: res.status, headers: res.headers };
}

const code = (r: GqlResult) => r.errors?.[0]?.extensions?.code;
const retryAfter = (r: GqlResult) => (r.errors?.[0]?.extensions as { retryAfter?: number } | undefined)?.retryAfter;
const unique = () => Math.random().toString(36).slice(2, 10);
const workspaceInput = (name = "Acme") => ({ name, adminEmail: `a-${unique()}@acme.test`, adminName: "Ada", password: PASSWORD });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Requests come from 127.0.0.1; naming it a trusted proxy lets a test speak for many addresses. */
const PROXIED: Partial<Config> = { trustedProxies: ["127.0.0.1", "::1"] };
const from = (ip: string) => ({ "x-forwarded-for": ip });

async function withServer<T>(db: DbKind, config: Partial<Config>, fn: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startTestServer({ db, config });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

describe("settings", () => {
  it("SIGNUP is closed by default in production, open otherwise; origins, proxies and the scrypt cost are read and checked", () => {
    expect(check("11.2", readConfig({ NODE_ENV: "production" }).signup === "closed")).toBe(true);
    expect(check("11.2", readConfig({}).signup === "open")).toBe(true);
    expect(readConfig({ NODE_ENV: "production", SIGNUP: "open" }).signup).toBe("open");
    expect(() => readConfig({ SIGNUP: "maybe" })).toThrow(/SIGNUP/);
    expect(() => readConfig({ OPERATOR_TOKEN: "short" })).toThrow(/OPERATOR_TOKEN/);
    expect(readConfig({ ALLOWED_ORIGINS: "https://app.example.com/, http://localhost:5173" }).allowedOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(() => readConfig({ ALLOWED_ORIGINS: "not an origin" })).toThrow(/ALLOWED_ORIGINS/);
    expect(readConfig({ TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).trustedProxies).toEqual(["10.0.0.0/8", "::1"]);
    expect(() => readConfig({ TRUSTED_PROXIES: "10.0.0.0/99" })).toThrow(/TRUSTED_PROXIES/);
    expect(check("11.7", readConfig({}).scryptLogN === 17)).toBe(true);
  });

  it("X-Forwarded-For is believed only from a trusted proxy, and only up to the first untrusted hop", () => {
    const req = (peer: string, xff?: string) => ({ socket: { remoteAddress: peer }, headers: xff ? { "x-forwarded-for": xff } : {} }) as never;
    const none = createClientIp([]);
    const lb = createClientIp(["10.0.0.0/8", "::1"]);
    const cases: [boolean, string][] = [
      [none(req("10.1.2.3", "203.0.113.9")) === "10.1.2.3", "no trusted proxies: the header is ignored"],
      [lb(req("198.51.100.1", "203.0.113.9")) === "198.51.100.1", "an untrusted peer's header is ignored"],
      [lb(req("10.1.2.3", "203.0.113.9")) === "203.0.113.9", "a trusted peer's header names the client"],
      [lb(req("10.1.2.3", "1.1.1.1, 203.0.113.9, 10.9.9.9")) === "203.0.113.9", "the rightmost untrusted hop, not a forged first entry"],
      [lb(req("::ffff:10.1.2.3", "203.0.113.9")) === "203.0.113.9", "IPv4-mapped peers match IPv4 ranges"],
      [lb(req("::1", "2001:db8::7")) === "2001:db8::7", "IPv6"],
      [lb(req("10.1.2.3", "garbage")) === "10.1.2.3", "a malformed hop is not believed"],
    ];
    for (const [held, why] of cases) expect(check("11.16", held), why).toBe(true);
  });
});

describe("with Redis, on PostgreSQL", () => {
  it("two servers share the sign-in waits and the sign-up allowance through Redis", async () => {
    const [database, redis] = await Promise.all([createTestDatabase(), startRedis()]);
    const probe = new Redis(redis.url);
    const servers: TestServer[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        servers.push(await startTestServer({ db: "postgres", config: { ...PROXIED, databaseUrl: database.url, redisUrl: redis.url, rateLimitSignupPerHour: 10 } }));
      }
      // Each server's Redis connection is up once a failure of its own is recorded there.
      for (const [i, server] of servers.entries()) {
        const email = `warm-${i}-${unique()}@x.test`;
        await until(async () => {
          await post(server.url, SIGN_IN, { e: email, p: "x" }, from("192.0.2.1"));
          return (await probe.exists(`hydra:fail:signin:${email}|192.0.2.1`)) === 1;
        }, 10_000, "the server's Redis connection");
      }
      const ws = await createWorkspaceFixture(servers[0]!.url, "Shared");
      const attacker = from("203.0.113.77");
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 6; i++) codes.push(code(await post(servers[i % 2]!.url, SIGN_IN, { e: ws.adminEmail, p: `guess-${i}` }, attacker)));
      expect(check("11.7", codes.join() === "UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,RATE_LIMITED")).toBe(true);
      expect(typeof (await post(servers[1]!.url, SIGN_IN, { e: ws.adminEmail, p: PASSWORD }, from("198.51.100.8"))).data?.signIn?.token).toBe("string");
      // One burst of 3 sign-ups per IP between the two servers, not one each.
      const signups: (string | undefined)[] = [];
      for (let i = 0; i < 4; i++) signups.push(code(await post(servers[i % 2]!.url, CREATE, { input: workspaceInput() }, from("203.0.113.78"))));
      expect(check("11.2", signups.join() === ",,,RATE_LIMITED")).toBe(true);
    } finally {
      for (const server of servers) await server.stop().catch(() => {});
      probe.disconnect();
      await redis.kill();
      await database.drop();
    }
  }, 120_000);
});

describe.each(DB_KINDS)("on %s", (db) => {
  describe("11.2 sign-up and what reaches an email", () => {
    it("with SIGNUP=closed only OPERATOR_TOKEN creates a workspace", async () => {
      await withServer(db, { signup: "closed", operatorToken: OPERATOR_TOKEN }, async (server) => {
        const before = await server.running.app.prisma.workspace.count();
        const anonymous = await post(server.url, CREATE, { input: workspaceInput() });
        expect(check("11.2", code(anonymous) === "FORBIDDEN" && !anonymous.data)).toBe(true);
        const wrong = await post(server.url, CREATE, { input: workspaceInput() }, { authorization: `Bearer ${OPERATOR_TOKEN}x` });
        expect(check("11.2", !wrong.data?.createWorkspace)).toBe(true);
        // A teammate's session is not the operator's either.
        expect(await server.running.app.prisma.workspace.count()).toBe(before);
        const operator = await post(server.url, CREATE, { input: workspaceInput("Operated") }, { authorization: `Bearer ${OPERATOR_TOKEN}` });
        expect(check("11.2", operator.data?.createWorkspace?.workspace?.name === "Operated")).toBe(true);
        const session = await post(server.url, CREATE, { input: workspaceInput() }, { authorization: `Bearer ${operator.data!.createWorkspace.token}` });
        expect(check("11.2", code(session) === "FORBIDDEN")).toBe(true);
        expect(await server.running.app.prisma.workspace.count()).toBe(before + 1);
      });
    });

    it("names of workspaces, teammates, bots, channels and customers refuse control characters", async () => {
      await withServer(db, {}, async (server) => {
        const ws = await createWorkspaceFixture(server.url, "Names");
        const bad = ["Acme\r\nBcc: victim@example.com", "Tab\there", "Bell\u0007", "Line\u2028sep", "C1\u0085next"];
        let held = 0;
        for (const name of bad) {
          const attempts = [
            await gql(server.url, CREATE, { input: { ...workspaceInput(), name } }),
            await gql(server.url, CREATE, { input: { ...workspaceInput(), adminName: name } }),
            await gql(server.url, `mutation($n: String!) { createBot(name: $n) { id } }`, { n: name }, ws.token),
            await gql(server.url, `mutation($n: String!) { createChannel(name: $n, kind: WEB_WIDGET) { id } }`, { n: name }, ws.token),
            await gql(
              server.url,
              `mutation($i: CreateConversationInput!) { createConversation(input: $i) { id } }`,
              { i: { channelId: ws.channelId, customer: { name } } },
              ws.token,
            ),
            await gql(server.url, START_WIDGET, { c: ws.channelId, n: name }),
          ];
          for (const r of attempts) if (check("11.2", code(r) === "BAD_USER_INPUT")) held++;
        }
        expect(held).toBe(bad.length * 6);
        // Ordinary names, accents and emoji included, still pass.
        await gqlOk(server.url, `mutation { createBot(name: "Zoë 🤖") { id } }`, {}, ws.token);
      });
    });

    it("a subject never holds CR/LF and is capped; every sent survey carries List-Unsubscribe; unsubscribing suppresses that address in that workspace only", async () => {
      const resend = await startResendStandIn();
      try {
        // Emails wait in the outbox until runOnce (no instant hand-off): one is still waiting when its address unsubscribes.
        await withServer(db, { resendApiKey: "re_test_key", resendBaseUrl: resend.url, instantHandOff: false }, async (server) => {
          const { prisma } = server.running.app;
          const ws = await createWorkspaceFixture(server.url, "Mailer");
          await enableCsat(server.url, ws.token);
          // A name from before names were checked, with a header injection attempt and 200 characters.
          const legacy = `Acme\r\nBcc: victim@example.com\r\n\r\n${"x".repeat(170)}`;
          await prisma.workspace.update({ where: { id: ws.workspaceId }, data: { name: legacy } });
          const resolve = (id: string) => gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
          const customer = `casey-${unique()}@example.com`;
          await resolve(await createConversation(server.url, ws, { name: "Casey", email: customer }));
          await server.running.workers.runOnce();
          expect(resend.requests).toHaveLength(1);
          const sent = resend.requests[0]!.body as { subject: string; text: string; headers?: Record<string, string> };
          expect(check("11.2", !/[\r\n]/.test(sent.subject) && [...sent.subject].length <= 120)).toBe(true);
          expect(sent.subject).toMatch(/^How was your experience with Acme Bcc: victim@example\.com x+…\?$/);
          const link = /<(http:\/\/csat\.test\/api\/csat\/unsubscribe\/[0-9a-f]{64})>/.exec(sent.headers?.["List-Unsubscribe"] ?? "")?.[1];
          expect(check("11.2", link !== undefined && sent.headers?.["List-Unsubscribe-Post"] === "List-Unsubscribe=One-Click")).toBe(true);
          expect(check("11.2", sent.text.includes(link!))).toBe(true);
          const path = new URL(link!).pathname;

          // One email already waiting for the same address when the customer unsubscribes.
          await resolve(await createConversation(server.url, ws, { name: "Casey", email: customer.toUpperCase() }));
          // The GET only asks; nothing is suppressed by opening the link (link checkers, previews).
          const page = await fetch(server.url + path);
          const html = await page.text();
          expect(page.status).toBe(200);
          expect(html).toContain(`<form method="post" action="${path}">`);
          expect(await prisma.emailSuppression.count()).toBe(0);
          // The mail client's one-click POST (RFC 8058).
          const done = await fetch(server.url + path, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "List-Unsubscribe=One-Click",
          });
          expect(done.status).toBe(200);
          expect(check("11.2", (await prisma.emailSuppression.count({ where: { workspaceId: ws.workspaceId, email: customer } })) === 1)).toBe(true);
          const waiting = await prisma.emailOutbox.findMany({ where: { workspaceId: ws.workspaceId }, orderBy: { createdAt: "asc" } });
          expect(check("11.2", waiting.map((e) => e.state).join() === "SENT,SUPPRESSED")).toBe(true);
          // A repeat changes nothing; an unknown link is 404.
          expect((await fetch(server.url + path, { method: "POST" })).status).toBe(200);
          expect((await fetch(`${server.url}/api/csat/unsubscribe/${"0".repeat(64)}`, { method: "POST" })).status).toBe(404);
          expect((await fetch(`${server.url}/api/csat/unsubscribe/nothex`)).status).toBe(404);

          // A later resolve for that address (no widget to ask in) makes no survey, and says why;
          // another workspace still mails it.
          const later = await createConversation(server.url, ws, { name: "Casey", email: customer });
          await resolve(later);
          expect(check("11.2", (await prisma.conversation.findUniqueOrThrow({ where: { id: later } })).csatSkipReason === "SUPPRESSED_EMAIL")).toBe(true);
          const other = await createWorkspaceFixture(server.url, "Elsewhere");
          await enableCsat(server.url, other.token);
          await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, {
            id: await createConversation(server.url, other, { name: "Casey", email: customer }),
          }, other.token);
          await server.running.workers.runOnce();
          const states = (await prisma.emailOutbox.findMany({ where: { workspaceId: ws.workspaceId }, orderBy: { createdAt: "asc" } })).map((e) => e.state);
          expect(check("11.2", states.join() === "SENT,SUPPRESSED")).toBe(true);
          expect(check("11.2", resend.requests.length === 2 && resend.requests[1]!.body.subject.includes("Elsewhere"))).toBe(true);
        });
      } finally {
        await resend.stop();
      }
    });

    it("createWorkspace is limited per IP", async () => {
      await withServer(db, { ...PROXIED, rateLimitSignupPerHour: 10 }, async (server) => {
        const results: (string | undefined)[] = [];
        for (let i = 0; i < 4; i++) results.push(code(await post(server.url, CREATE, { input: workspaceInput() }, from("203.0.113.1"))));
        // A burst of 3, then one an hour per 10: the fourth waits. Another address is not slowed.
        expect(check("11.2", results.join() === ",,,RATE_LIMITED")).toBe(true);
        expect(check("11.2", code(await post(server.url, CREATE, { input: workspaceInput() }, from("203.0.113.2"))) === undefined)).toBe(true);
      });
    });

    it("npm run workspace:create makes the first workspace of a closed server and prints its admin's password", async () => {
      const database = db === "postgres" ? await createTestDatabase() : null;
      const dataDir = db === "pglite" ? mkdtempSync(join(tmpdir(), "hydra-wscreate-")) : undefined;
      try {
        const env = { ...process.env, NODE_ENV: "production", SEED_DEMO: "0", ...(database ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir! }) };
        const email = `owner-${unique()}@closed.test`;
        const run = () =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn("npm", ["run", "--silent", "workspace:create", "--", "--name", "Closed Co", "--admin-email", email, "--admin-name", "Olive Owner"], { env });
            let out = "";
            child.stdout.on("data", (b) => (out += b));
            child.stderr.on("data", (b) => (out += b));
            child.on("exit", (code) => resolve({ code, out }));
          });
        const output = await run();
        expect(output.code, output.out).toBe(0);
        // Run again: the operator is told plainly why not.
        const again = await run();
        expect(again.code).toBe(1);
        expect(again.out).toContain("a teammate with this email already exists");
        const password = /shown only now: (\S+)/.exec(output.out)?.[1];
        expect(password).toBeDefined();
        await withServer(db, { signup: "closed", ...(database ? { databaseUrl: database.url } : { dataDir: dataDir! }) }, async (server) => {
          const signedIn = await gql(server.url, SIGN_IN, { e: email, p: password });
          expect(check("11.2", typeof signedIn.data?.signIn?.token === "string")).toBe(true);
          expect(code(await gql(server.url, CREATE, { input: workspaceInput() }))).toBe("FORBIDDEN");
        });
      } finally {
        await database?.drop();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    }, 120_000);
  });

  describe("11.7 limits on public mutations, and password hashing", () => {
    it("failed sign-ins slow down one account from one address with growing waits, while the teammate signs in from another", async () => {
      await withServer(db, PROXIED, async (server) => {
        const ws = await createWorkspaceFixture(server.url, "Locked");
        const attacker = from("203.0.113.66");
        const codes: (string | undefined)[] = [];
        for (let i = 0; i < 5; i++) codes.push(code(await post(server.url, SIGN_IN, { e: ws.adminEmail, p: `guess-${i}` }, attacker)));
        expect(codes.every((c) => c === "UNAUTHENTICATED")).toBe(true);
        // The sixth try must wait, even with the right password: the attacker cannot test it now.
        const waiting = await post(server.url, SIGN_IN, { e: ws.adminEmail, p: PASSWORD }, attacker);
        expect(check("11.7", code(waiting) === "RATE_LIMITED" && retryAfter(waiting) === 1 && !waiting.data)).toBe(true);
        // The teammate, elsewhere, is not locked out.
        const teammate = await post(server.url, SIGN_IN, { e: ws.adminEmail, p: PASSWORD }, from("198.51.100.7"));
        expect(check("11.7", typeof teammate.data?.signIn?.token === "string")).toBe(true);
        // After the wait one more try; failing it doubles the wait.
        await sleep(1100);
        expect(code(await post(server.url, SIGN_IN, { e: ws.adminEmail, p: "guess-6" }, attacker))).toBe("UNAUTHENTICATED");
        const longer = await post(server.url, SIGN_IN, { e: ws.adminEmail, p: "guess-7" }, attacker);
        expect(check("11.7", code(longer) === "RATE_LIMITED" && retryAfter(longer) === 2)).toBe(true);
        // An unknown email is slowed the same way: the answer does not tell which emails exist.
        const ghost = `ghost-${unique()}@nowhere.test`;
        const ghostCodes: (string | undefined)[] = [];
        for (let i = 0; i < 6; i++) ghostCodes.push(code(await post(server.url, SIGN_IN, { e: ghost, p: "x" }, attacker)));
        expect(check("11.7", ghostCodes.join() === "UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,UNAUTHENTICATED,RATE_LIMITED")).toBe(true);
      });
    });

    it("an attack spread over many addresses slows every address that failed on the account, never a fresh one", async () => {
      await withServer(db, PROXIED, async (server) => {
        const ws = await createWorkspaceFixture(server.url, "Spread");
        const codes: (string | undefined)[] = [];
        // One guess from each of 20 addresses: none of them reaches its own five.
        for (let i = 0; i < 20; i++) codes.push(code(await post(server.url, SIGN_IN, { e: ws.adminEmail, p: `guess-${i}` }, from(`203.0.113.${100 + i}`))));
        expect(codes.every((c) => c === "UNAUTHENTICATED")).toBe(true);
        // Now any address that has failed on the account waits, even with the right password…
        const again = await post(server.url, SIGN_IN, { e: ws.adminEmail, p: PASSWORD }, from("203.0.113.100"));
        expect(check("11.7", code(again) === "RATE_LIMITED" && retryAfter(again) === 1)).toBe(true);
        // …while the teammate, who has not failed, signs in at once.
        const teammate = await post(server.url, SIGN_IN, { e: ws.adminEmail, p: PASSWORD }, from("198.51.100.9"));
        expect(check("11.7", typeof teammate.data?.signIn?.token === "string")).toBe(true);
        // Another account is not touched by this one's attack.
        const other = await createWorkspaceFixture(server.url, "Bystander");
        expect(check("11.7", typeof (await post(server.url, SIGN_IN, { e: other.adminEmail, p: PASSWORD }, from("203.0.113.100"))).data?.signIn?.token === "string")).toBe(true);
      });
    });

    it("signIn is limited per IP", async () => {
      await withServer(db, { ...PROXIED, rateLimitSignInPerMinute: 8 }, async (server) => {
        const results: (string | undefined)[] = [];
        // Different accounts: the per-account waits play no part.
        for (let i = 0; i < 3; i++) results.push(code(await post(server.url, SIGN_IN, { e: `n${i}-${unique()}@x.test`, p: "x" }, from("203.0.113.9"))));
        expect(check("11.7", results.join() === "UNAUTHENTICATED,UNAUTHENTICATED,RATE_LIMITED")).toBe(true);
        expect(check("11.7", code(await post(server.url, SIGN_IN, { e: `m-${unique()}@x.test`, p: "x" }, from("203.0.113.10"))) === "UNAUTHENTICATED")).toBe(true);
      });
    });

    it("startWidgetConversation is limited per IP and works only on WEB_WIDGET channels; a visitor's messages per IP and per conversation", async () => {
      await withServer(db, { ...PROXIED, rateLimitWidgetPerMinute: 8 }, async (server) => {
        const ws = await createWorkspaceFixture(server.url, "Widgets");
        const starts: (string | undefined)[] = [];
        for (let i = 0; i < 3; i++) starts.push(code(await post(server.url, START_WIDGET, { c: ws.channelId, n: "V" }, from("203.0.113.20"))));
        expect(check("11.7", starts.join() === ",,RATE_LIMITED")).toBe(true);

        const widget = await post(server.url, START_WIDGET, { c: ws.channelId, n: "V" }, from("203.0.113.21"));
        const { visitorToken, conversation } = widget.data!.startWidgetConversation;
        // From a fresh address each time: only the conversation's own allowance (burst 2) is spent.
        const sends: (string | undefined)[] = [];
        for (let i = 0; i < 3; i++) {
          sends.push(code(await post(server.url, SEND, { c: conversation.id, b: `hi ${i}` }, { ...from(`203.0.113.${30 + i}`), authorization: `Bearer ${visitorToken}` })));
        }
        expect(check("11.7", sends.join() === ",,RATE_LIMITED")).toBe(true);
        // Teammates' replies are not a visitor's: not limited by it.
        expect(code(await post(server.url, SEND, { c: conversation.id, b: "reply" }, { ...from("203.0.113.30"), authorization: `Bearer ${ws.token}` }))).toBeUndefined();

        for (const kind of ["EMAIL", "API"]) {
          const channel = await gqlOk(server.url, `mutation($k: ChannelKind!) { createChannel(name: "Other", kind: $k) { id } }`, { k: kind }, ws.token);
          const refused = await post(server.url, START_WIDGET, { c: channel.createChannel.id, n: "V" }, from(`198.51.100.${kind.length}`));
          expect(check("11.7", code(refused) === "NOT_FOUND")).toBe(true);
        }
      });
    });

    it("a taken email gets the generic refusal any valid-looking sign-up can get, with no hint at the email", async () => {
      await withServer(db, {}, async (server) => {
        const ws: WorkspaceFixture = await createWorkspaceFixture(server.url, "Taken");
        const again = await gql(server.url, CREATE, { input: { ...workspaceInput(), adminEmail: ws.adminEmail } });
        expect(code(again)).toBe("BAD_USER_INPUT");
        expect(check("11.7", again.errors?.[0]?.message === "A workspace cannot be created with these details" && !/email|exist|taken/i.test(again.errors[0].message))).toBe(true);
      });
    });

    it("passwords are hashed with scrypt N=2^17 by default, and an older hash is replaced at the next sign-in", async () => {
      // The production default, not the test kit's cheaper cost.
      await withServer(db, { scryptLogN: readConfig({}).scryptLogN }, async (server) => {
        const { prisma } = server.running.app;
        const created = await gqlOk(server.url, CREATE, { input: workspaceInput("Costly") });
        const admin = await prisma.teammate.findUniqueOrThrow({ where: { id: created.createWorkspace.admin.id } });
        expect(check("11.7", admin.passwordHash.startsWith("scrypt$131072$8$1$"))).toBe(true);
        const old = await hashPassword(PASSWORD, 14);
        expect(old.startsWith("scrypt$16384$8$1$")).toBe(true);
        await prisma.teammate.update({ where: { id: admin.id }, data: { passwordHash: old } });
        expect(typeof (await gqlOk(server.url, SIGN_IN, { e: admin.email, p: PASSWORD })).signIn.token).toBe("string");
        const rehashed = (await prisma.teammate.findUniqueOrThrow({ where: { id: admin.id } })).passwordHash;
        expect(check("11.7", rehashed !== old && rehashed.startsWith("scrypt$131072$8$1$"))).toBe(true);
        expect(typeof (await gqlOk(server.url, SIGN_IN, { e: admin.email, p: PASSWORD })).signIn.token).toBe("string");
        expect(code(await gql(server.url, SIGN_IN, { e: admin.email, p: "wrong password" }))).toBe("UNAUTHENTICATED");
      });
    }, 60_000);
  });

  describe("11.13 and 11.16 origins, headers, aborts", () => {
    const config: Partial<Config> = { publicUrl: "https://csat.example.com", allowedOrigins: ["https://app.example.com"] };

    it("MCP refuses browser origins other than PUBLIC_URL's and ALLOWED_ORIGINS, whatever the Host says", async () => {
      await withServer(db, config, async (server) => {
        const mcp = (headers: Record<string, string>) =>
          fetch(`${server.url}/mcp`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" }).then((r) => r.status);
        // DNS rebinding: evil.test resolves to us, and the browser sends Host and Origin alike.
        const port = new URL(server.url).port;
        const rebound = await mcp({ origin: `http://evil.test:${port}`, host: `evil.test:${port}` });
        expect(check("11.13", rebound === 403)).toBe(true);
        expect(check("11.13", (await mcp({ origin: `http://localhost:${port}` })) === 403)).toBe(true);
        // Our own origins pass the check (and then need an API key).
        expect(check("11.13", (await mcp({ origin: "https://csat.example.com" })) === 401)).toBe(true);
        expect(check("11.13", (await mcp({ origin: "https://app.example.com" })) === 401)).toBe(true);
        expect(check("11.13", (await mcp({})) === 401)).toBe(true);
      });
    });

    it("CORS allows only PUBLIC_URL's origin and ALLOWED_ORIGINS, with credentials", async () => {
      await withServer(db, config, async (server) => {
        const preflight = (origin: string) =>
          fetch(`${server.url}/graphql`, {
            method: "OPTIONS",
            headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
          });
        for (const origin of ["https://evil.example", "null", "https://csat.example.com.evil.example"]) {
          const pre = await preflight(origin);
          const real = await post(server.url, `{ me { id } }`, {}, { origin });
          expect(check("11.16", pre.headers.get("access-control-allow-origin") === null && real.headers.get("access-control-allow-origin") === null)).toBe(true);
          expect(real.headers.get("access-control-allow-credentials")).toBeNull();
        }
        for (const origin of ["https://csat.example.com", "https://app.example.com"]) {
          const pre = await preflight(origin);
          const real = await post(server.url, `{ me { id } }`, {}, { origin });
          expect(check("11.16", pre.headers.get("access-control-allow-origin") === origin && real.headers.get("access-control-allow-origin") === origin)).toBe(true);
          expect(real.headers.get("access-control-allow-credentials")).toBe("true");
        }
      });
    });

    it("every response has nosniff and frame-ancestors 'none', except the widget page's framing", async () => {
      await withServer(db, config, async (server) => {
        const responses = [
          await fetch(`${server.url}/healthz`),
          await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ me { id } }" }) }),
          await fetch(`${server.url}/api/csat/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
          await fetch(`${server.url}/csat/${"0".repeat(32)}`),
          await fetch(`${server.url}/nowhere`),
        ];
        for (const res of responses) {
          const held = res.headers.get("x-content-type-options") === "nosniff" && /frame-ancestors 'none'/.test(res.headers.get("content-security-policy") ?? "");
          expect(check("11.16", held), res.url).toBe(true);
        }
        const widget = await fetch(`${server.url}/widget`);
        expect(check("11.16", widget.headers.get("x-content-type-options") === "nosniff" && !widget.headers.get("x-frame-options") && !/frame-ancestors 'none'/.test(widget.headers.get("content-security-policy") ?? ""))).toBe(true);
      });
    });

    it("a client that goes away mid-body is one info line, not an error with a stack", async () => {
      await withServer(db, {}, async (server) => {
        const { port } = new URL(server.url);
        const abort = (path: string) =>
          new Promise<void>((resolve) => {
            const socket = connect(Number(port), "127.0.0.1", () => {
              socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`);
              setTimeout(() => {
                socket.destroy();
                resolve();
              }, 100);
            });
            socket.on("error", () => resolve());
          });
        const token = "0123456789abcdef".repeat(2);
        await abort("/api/csat/submit");
        await abort("/graphql");
        await abort(`/csat/${token}`);
        await sleep(300);
        const errors = server.log.lines.filter((l) => l.startsWith("ERROR") || l.includes("    at "));
        expect(check("11.16", errors.length === 0), errors.join("\n")).toBe(true);
        expect(check("11.16", server.log.lines.some((l) => l.includes("went away")))).toBe(true);
        // The info line names the route, never a token in its path.
        expect(server.log.lines.some((l) => l.includes("POST /csat/[token]: the client went away"))).toBe(true);
        expect(server.log.lines.some((l) => l.includes(token))).toBe(false);
        // The server is fine afterwards.
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      });
    });
  });
});
