/**
 * Issue 11, items 4, 8 and 9, on both databases, with real HTTP and WebSocket clients:
 * - 11.4: the per-IP limit on the survey-token fields counts resolver runs, so aliases, named and
 *   inline fragments and operations on one socket each pay;
 * - 11.8: a socket runs at most WS_MAX_SUBSCRIPTIONS operations, a visitor token holds at most 5
 *   sockets, a WebSocket message is at most the GraphQL body limit, and Conversation.messages is a
 *   page of at most 100;
 * - 11.9: no survey token leaves through the API's outbox (a placeholder stands in its place); in
 *   development an ADMIN teammate gets a preview link, nobody else and never in production.
 * Each client request comes from an address of its own (127.x.y.z: all loopback on Linux) where a
 * fresh rate-limit bucket is wanted.
 */
import { request } from "node:http";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config.js";
import { MAX_GRAPHQL_BODY_BYTES } from "../../src/http/json.js";
import { HIDDEN_TOKEN } from "../../src/services/outbox.js";
import { gqlOk, type GqlResult } from "../../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat, tokenFromEmail, type WorkspaceFixture } from "../../testkit/fixtures.js";
import { DB_KINDS, startTestServer, type TestServer } from "../../testkit/server.js";
import { check, saveChecks } from "./checks.js";

afterAll(() => saveChecks("limits"));

/** 8 a minute: two at once, and the next one 7.5 s later (far longer than any case here takes). */
const PER_MINUTE = 8;
const AT_ONCE = 2;

let lastIp = 0;
/** A loopback address no request has come from yet: a full bucket. */
function freshIp(): string {
  lastIp++;
  return `127.${40 + (process.pid % 100)}.${Math.floor(lastIp / 250)}.${(lastIp % 250) + 1}`;
}

const portOf = (server: TestServer) => Number(new URL(server.url).port);

/** A GraphQL POST from `ip`, with an optional Bearer token. */
function gqlFrom(server: TestServer, ip: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: portOf(server),
        localAddress: ip,
        method: "POST",
        path: "/graphql",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ ...(JSON.parse(text) as object), status: res.statusCode ?? 0 }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

type WsMessage = { type: string; id?: string; payload?: any };

/** A graphql-transport-ws socket spoken by hand: every message and the close code are visible. */
class RawSocket {
  readonly messages: WsMessage[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];
  private nextId = 0;

  constructor(
    readonly socket: WebSocket,
  ) {
    socket.on("message", (data) => {
      this.messages.push(JSON.parse(String(data)) as WsMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      }),
    );
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `test` holds for the messages or the socket closes; false when it closed first. */
  async until(test: () => boolean, ms = 10_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (this.closeCode !== null) return false;
      if (Date.now() > deadline) throw new Error(`no such message within ${ms} ms: ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return true;
  }

  static async open(server: TestServer, options: { ip?: string; params?: Record<string, unknown> } = {}): Promise<RawSocket> {
    const socket = new WebSocket(server.wsUrl.replace("localhost", "127.0.0.1"), "graphql-transport-ws", {
      ...(options.ip ? { localAddress: options.ip } : {}),
    });
    const raw = new RawSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ type: "connection_init", payload: options.params ?? {} }));
    await raw.until(() => raw.messages.some((m) => m.type === "connection_ack"));
    return raw;
  }

  get acknowledged() {
    return this.messages.some((m) => m.type === "connection_ack");
  }

  subscribe(query: string, variables?: Record<string, unknown>): string {
    const id = `op${++this.nextId}`;
    this.socket.send(JSON.stringify({ type: "subscribe", id, payload: { query, variables } }));
    return id;
  }

  complete(id: string) {
    this.socket.send(JSON.stringify({ type: "complete", id }));
  }

  of(id: string) {
    return this.messages.filter((m) => m.id === id);
  }

  /** A query or mutation: its one result (an `error` message's errors as `errors`). */
  async run(query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
    const id = this.subscribe(query, variables);
    await this.until(() => this.of(id).some((m) => m.type === "complete" || m.type === "error"));
    const next = this.of(id).find((m) => m.type === "next");
    const error = this.of(id).find((m) => m.type === "error");
    return next ? next.payload : { errors: error?.payload };
  }

  close() {
    this.socket.close();
    return this.closed;
  }
}

/** RATE_LIMITED errors, and fields that answered, in a result. */
function tally(result: { data?: any; errors?: any[] }) {
  const limited = (result.errors ?? []).filter((e) => e.extensions?.code === "RATE_LIMITED").length;
  const answered = Object.values((result.data ?? {}) as Record<string, unknown>).filter((v) => v !== null).length;
  return { limited, answered, otherErrors: (result.errors ?? []).length - limited };
}

/** Every string a survey token could be read from: 32-hex windows of hex runs, and /csat/ path parts. */
function tokenLike(text: string): string[] {
  const found = new Set<string>();
  for (const run of text.match(/[0-9a-fA-F]{32,}/g) ?? []) {
    for (let i = 0; i + 32 <= run.length; i++) found.add(run.slice(i, i + 32).toLowerCase());
  }
  for (const m of text.matchAll(/\/csat\/([^?"'\s<>&\\]+)/g)) found.add(decodeURIComponent(m[1]!));
  return [...found];
}

describe.each(DB_KINDS)("limits and survey tokens on %s", (db) => {
  let dev: TestServer;
  let prod: TestServer;
  let ws: WorkspaceFixture;
  let prodWs: WorkspaceFixture;
  let devKey: string;
  let prodKey: string;

  /** A resolved conversation with an email: its survey's token, read from the database's outbox. */
  async function surveyToken(server: TestServer, fixture: WorkspaceFixture, email: string): Promise<{ token: string; conversationId: string }> {
    const conversationId = await createConversation(server.url, fixture, { name: "Casey", email });
    await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: conversationId }, fixture.token);
    const row = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { survey: { conversationId } } });
    return { token: tokenFromEmail(row.html), conversationId };
  }

  beforeAll(async () => {
    // Production as NODE_ENV=production reads it (with sign-up left open for the fixtures), with a
    // Resend key whose API cannot be reached: its emails stay PENDING.
    const { port: _p, dataDir: _d, databaseUrl: _u, publicUrl: _pu, seedDemo: _s, workerIntervalMs: _w, ...production } = readConfig({
      NODE_ENV: "production",
      SIGNUP: "open",
      PUBLIC_URL: "http://csat.test",
    });
    expect(production.production).toBe(true);
    [dev, prod] = await Promise.all([
      startTestServer({ db, config: { rateLimitTokenPerMinute: PER_MINUTE } }),
      startTestServer({
        db,
        config: { ...production, rateLimitTokenPerMinute: PER_MINUTE, resendApiKey: "re_unreachable", resendBaseUrl: "http://127.0.0.1:9" },
      }),
    ]);
    ws = await createWorkspaceFixture(dev.url, "Limits");
    prodWs = await createWorkspaceFixture(prod.url, "Production");
    await enableCsat(dev.url, ws.token, 0);
    await enableCsat(prod.url, prodWs.token, 0);
    devKey = (await gqlOk(dev.url, `mutation { createApiKey(name: "k") { key } }`, {}, ws.token)).createApiKey.key;
    prodKey = (await gqlOk(prod.url, `mutation { createApiKey(name: "k") { key } }`, {}, prodWs.token)).createApiKey.key;
  });
  afterAll(async () => {
    await Promise.all([dev?.stop(), prod?.stop()]);
  });

  describe("11.4 the token-field limit counts resolver runs", () => {
    const BOGUS = "0".repeat(32);
    const survey = (alias: string) => `${alias}: csatSurveyByToken(token: $t) { state }`;
    /** Query shapes: [name, document, resolver runs]. */
    const QUERIES: [string, string, number][] = [
      ["aliases", `query($t: String!) { ${["a", "b", "c", "d", "e"].map(survey).join(" ")} }`, 5],
      [
        "named fragments",
        `query($t: String!) { ...A ...B } fragment A on Query { ${survey("a")} ${survey("b")} } fragment B on Query { ${survey("c")} ...C } fragment C on Query { ${survey("d")} }`,
        4,
      ],
      ["inline fragments", `query($t: String!) { ... on Query { ${survey("a")} } ... { ${survey("b")} } ... @include(if: true) { ${survey("c")} ... on Query { ${survey("d")} } } }`, 4],
      // The same field twice, unaliased, is merged by GraphQL into one run: it pays once.
      ["one field, merged", `query($t: String!) { csatSurveyByToken(token: $t) { state } csatSurveyByToken(token: $t) { workspaceName } }`, 1],
    ];

    for (const transport of ["http", "ws"] as const) {
      /** Runs one operation from `ip` over `transport` (a socket of its own for ws). */
      const runFrom = async (ip: string, query: string, variables?: Record<string, unknown>) => {
        if (transport === "http") return gqlFrom(dev, ip, query, variables);
        const socket = await RawSocket.open(dev, { ip });
        try {
          return await socket.run(query, variables);
        } finally {
          await socket.close();
        }
      };

      it.each(QUERIES)(`%s over ${transport}: N allowed at once, N+k runs get exactly k RATE_LIMITED`, async (_name, query, runs) => {
        const { token } = await surveyToken(dev, ws, `q-${transport}-${Math.random().toString(36).slice(2)}@example.com`);
        const ip = freshIp();
        const result = await runFrom(ip, query, { t: token });
        const { limited, answered, otherErrors } = tally(result);
        const expectLimited = Math.max(0, runs - AT_ONCE);
        const held = limited === expectLimited && answered === Math.min(runs, AT_ONCE) && otherErrors === 0;
        expect(check("11.4", held), JSON.stringify(result)).toBe(true);
        // The runs that got through answered with the real survey.
        expect(Object.values(result.data ?? {}).filter((v) => v !== null).every((v) => (v as { state?: string }).state === "OPEN" || "workspaceName" in (v as object))).toBe(true);
        // And whatever is left of the bucket is spent by the next run from that address.
        const next = tally(await runFrom(ip, `query($t: String!) { csatSurveyByToken(token: $t) { state } }`, { t: token }));
        expect(check("11.4", next.limited === (runs >= AT_ONCE ? 1 : 0))).toBe(true);
      });

      it(`submitCsat aliases and fragments over ${transport}: each run pays, and the runs before the refusal took effect`, async () => {
        const { token, conversationId } = await surveyToken(dev, ws, `m-${transport}@example.com`);
        const ip = freshIp();
        // Mutations run one after another: a (accepted) and b (already submitted) spend the two;
        // c is refused, and as submitCsat is non-null nothing after it runs.
        const result = await runFrom(
          ip,
          `mutation($t: String!) { a: submitCsat(token: $t, score: 4) { outcome } ...F } fragment F on Mutation { b: submitCsat(token: $t, score: 1) { outcome } ... on Mutation { c: submitCsat(token: $t, score: 2) { outcome } } }`,
          { t: token },
        );
        const { limited } = tally(result);
        expect(check("11.4", limited === 1 && result.errors?.length === 1)).toBe(true);
        const stored = await dev.running.app.prisma.csatSurvey.findFirstOrThrow({ where: { conversationId } });
        expect(check("11.4", stored.score === 4 && stored.answeredVia === "WIDGET")).toBe(true);
      });

      it(`several operations from one address over ${transport} share its bucket`, async () => {
        const ip = freshIp();
        const results = [];
        if (transport === "http") {
          for (let i = 0; i < AT_ONCE + 3; i++) results.push(await gqlFrom(dev, ip, `mutation { submitCsat(token: "${BOGUS}", score: 5) { outcome } }`));
        } else {
          // One socket, five operations.
          const socket = await RawSocket.open(dev, { ip });
          for (let i = 0; i < AT_ONCE + 3; i++) results.push(await socket.run(`mutation { submitCsat(token: "${BOGUS}", score: 5) { outcome } }`));
          await socket.close();
        }
        const limited = results.filter((r) => tally(r).limited === 1).length;
        const notFound = results.filter((r) => r.data?.submitCsat?.outcome === "NOT_FOUND").length;
        expect(check("11.4", limited === 3 && notFound === AT_ONCE)).toBe(true);
        // Other addresses and other fields are not touched.
        expect(check("11.4", tally(await gqlFrom(dev, freshIp(), `mutation { submitCsat(token: "${BOGUS}", score: 5) { outcome } }`)).limited === 0)).toBe(true);
        expect(check("11.4", (await gqlFrom(dev, ip, `{ __typename }`)).errors === undefined)).toBe(true);
      });
    }
  });

  describe("11.8 bounded memory", () => {
    const CHANGES = `subscription { conversationChanged { conversationId change } }`;

    it("a socket runs at most 20 operations at once; the 21st gets LIMIT_EXCEEDED and the socket stays", async () => {
      const socket = await RawSocket.open(dev, { params: { authorization: `Bearer ${ws.token}` } });
      const ids = Array.from({ length: 20 }, () => socket.subscribe(CHANGES));
      const extra = socket.subscribe(CHANGES);
      await socket.until(() => socket.of(extra).length > 0);
      const refusal = socket.of(extra)[0]!;
      expect(check("11.8", refusal.type === "error" && refusal.payload?.[0]?.extensions?.code === "LIMIT_EXCEEDED"), JSON.stringify(refusal)).toBe(true);
      // Whether subscription `id` has heard of conversation `conversationId`.
      const heard = (id: string, conversationId: string) =>
        socket.of(id).some((m) => m.type === "next" && m.payload.data.conversationChanged.conversationId === conversationId);
      // A subscription listens once its server side is set up, which the protocol does not announce:
      // a change made before that is not for it. So a new change each try, until `listening` hears one.
      const changeUntil = async (listening: (conversationId: string) => boolean) => {
        for (let attempt = 1; ; attempt++) {
          const conversationId = await createConversation(dev.url, ws);
          try {
            await socket.until(() => listening(conversationId), 2_000);
            return conversationId;
          } catch (err) {
            if (attempt === 5) throw err;
          }
        }
      };
      // The twenty are live: a change reaches each of them.
      await changeUntil((c) => ids.every((id) => heard(id, c)));
      expect(check("11.8", socket.closeCode === null && ids.every((id) => !socket.of(id).some((m) => m.type === "error")))).toBe(true);
      // One completed makes room for one more, which is live too.
      socket.complete(ids[0]!);
      const again = socket.subscribe(CHANGES);
      const yetAnother = socket.subscribe(CHANGES);
      await changeUntil((c) => heard(again, c));
      await socket.until(() => socket.of(yetAnother).length > 0);
      expect(check("11.8", socket.of(yetAnother)[0]!.type === "error" && socket.of(again).every((m) => m.type === "next"))).toBe(true);
      await socket.close();
    });

    it("WS_MAX_SUBSCRIPTIONS sets the number (20 by default) and refuses nonsense", () => {
      expect(readConfig({}).wsMaxSubscriptions).toBe(20);
      expect(readConfig({ WS_MAX_SUBSCRIPTIONS: "3" }).wsMaxSubscriptions).toBe(3);
      expect(() => readConfig({ WS_MAX_SUBSCRIPTIONS: "0" })).toThrow(/WS_MAX_SUBSCRIPTIONS/);
      expect(() => readConfig({ WS_MAX_SUBSCRIPTIONS: "many" })).toThrow(/WS_MAX_SUBSCRIPTIONS/);
    });

    it("a visitor token holds at most 5 sockets: the 6th closes with 4429; one closed makes room", async () => {
      const channel = (await gqlOk(dev.url, `mutation { createChannel(name: "Chat", kind: WEB_WIDGET) { id } }`, {}, ws.token)).createChannel.id;
      const start = async () =>
        (await gqlOk(dev.url, `mutation($c: ID!) { startWidgetConversation(input: { channelId: $c, customer: { name: "V" } }) { visitorToken } }`, { c: channel }))
          .startWidgetConversation.visitorToken as string;
      const [visitor, otherVisitor] = [await start(), await start()];
      const sockets = [];
      for (let i = 0; i < 5; i++) sockets.push(await RawSocket.open(dev, { params: { visitorToken: visitor } }));
      expect(sockets.every((s) => s.acknowledged)).toBe(true);
      const sixth = new RawSocket(new WebSocket(dev.wsUrl, "graphql-transport-ws"));
      await new Promise((r) => sixth.socket.once("open", r));
      sixth.socket.send(JSON.stringify({ type: "connection_init", payload: { visitorToken: visitor } }));
      const code = await sixth.closed;
      expect(check("11.8", code === 4429 && !sixth.acknowledged), `closed with ${code}`).toBe(true);
      // Another visitor is not affected; the first five still work.
      const other = await RawSocket.open(dev, { params: { visitorToken: otherVisitor } });
      expect(check("11.8", other.acknowledged && sockets.every((s) => s.closeCode === null))).toBe(true);
      // One closed: room for one again (the count follows the close).
      await sockets.pop()!.close();
      const replacement = await RawSocket.open(dev, { params: { visitorToken: visitor } });
      expect(check("11.8", replacement.acknowledged)).toBe(true);
      await Promise.all([...sockets, other, replacement].map((s) => s.close()));
    });

    it("a WebSocket message is at most MAX_GRAPHQL_BODY_BYTES: one just under works, one over closes 1009", async () => {
      const socket = await RawSocket.open(dev, { ip: freshIp() });
      const query = `query($pad: String!) { csatSurveyByToken(token: $pad) { state } }`;
      const small = await socket.run(query, { pad: "x".repeat(MAX_GRAPHQL_BODY_BYTES - 1_000) });
      expect(check("11.8", small.errors === undefined && small.data?.csatSurveyByToken === null), JSON.stringify(small).slice(0, 300)).toBe(true);
      socket.subscribe(query, { pad: "x".repeat(MAX_GRAPHQL_BODY_BYTES + 1) });
      expect(check("11.8", (await socket.closed) === 1009)).toBe(true);
      // Said once in the server's log, as the client's doing (not an internal error).
      expect(dev.log.lines.filter((l) => l.includes(`[ws] a message over ${MAX_GRAPHQL_BODY_BYTES} bytes closed its socket (1009)`))).toHaveLength(1);
      expect(dev.log.lines.filter((l) => l.startsWith("ERROR"))).toEqual([]);
    });

    describe("Conversation.messages is a page", () => {
      let conversationId: string;
      const bodies: string[] = [];
      const ids: string[] = [];

      beforeAll(async () => {
        conversationId = await createConversation(dev.url, ws); // its first message: "Hello, I need help"
        const base = Date.now() + 60_000;
        const prisma = dev.running.app.prisma;
        await prisma.message.createMany({
          data: Array.from({ length: 250 }, (_, i) => ({
            workspaceId: ws.workspaceId,
            conversationId,
            body: `m${i}`,
            fromCustomer: i % 2 === 0,
            createdAt: new Date(base + i * 1000),
          })),
        });
        for (const m of await prisma.message.findMany({ where: { conversationId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] })) {
          bodies.push(m.body);
          ids.push(m.id);
        }
        expect(bodies).toHaveLength(251);
      });

      const page = async (args: string, token = ws.token) =>
        (await gqlOk(dev.url, `query($id: ID!) { conversation(id: $id) { messages${args} { id body } } }`, { id: conversationId }, token)).conversation.messages as {
          id: string;
          body: string;
        }[];

      it("by default the newest 100, oldest first (what the inbox and the widget show)", async () => {
        const messages = await page("");
        expect(check("11.8", messages.length === 100)).toBe(true);
        expect(messages.map((m) => m.body)).toEqual(bodies.slice(-100));
      });

      it("first (at most 100) and before page back through all of them, in order", async () => {
        expect((await page("(first: 10)")).map((m) => m.body)).toEqual(bodies.slice(-10));
        expect(await page("(first: 0)")).toEqual([]);
        // (A literal first: 5000 is refused by the cost limit already; a variable is not.)
        const many = await gqlOk(dev.url, `query($id: ID!, $n: Int) { conversation(id: $id) { messages(first: $n) { id } } }`, { id: conversationId, n: 5000 }, ws.token);
        expect(check("11.8", many.conversation.messages.length === 100)).toBe(true);
        expect((await page(`(before: "${ids[150]}")`)).map((m) => m.body)).toEqual(bodies.slice(50, 150));
        const seen: string[] = [];
        let before: string | null = null;
        for (let i = 0; i < 10; i++) {
          const messages = await page(before ? `(first: 60, before: "${before}")` : "(first: 60)");
          if (messages.length === 0) break;
          expect(messages.length).toBeLessThanOrEqual(60);
          seen.unshift(...messages.map((m) => m.body));
          before = messages[0]!.id;
        }
        expect(check("11.8", seen.join() === bodies.join())).toBe(true);
      });

      it("bad paging arguments are BAD_USER_INPUT, not an error of the server", async () => {
        for (const args of ["(first: -1)", `(before: "not-an-id")`]) {
          const result = await gqlFrom(dev, "127.0.0.1", `query($id: ID!) { conversation(id: $id) { messages${args} { id } } }`, { id: conversationId }, ws.token);
          expect(check("11.8", result.errors?.[0]?.extensions?.code === "BAD_USER_INPUT"), JSON.stringify(result)).toBe(true);
        }
      });

      it("lists and the widget's visitor get pages too", async () => {
        const list = await gqlOk(dev.url, `{ conversations(first: 50) { id messages { id } lastMessage { body } } }`, {}, ws.token);
        const ours = list.conversations.find((c: { id: string }) => c.id === conversationId);
        expect(check("11.8", ours.messages.length === 100 && ours.lastMessage.body === "m249")).toBe(true);
        expect(list.conversations.every((c: { messages: unknown[] }) => c.messages.length <= 100)).toBe(true);
      });
    });
  });

  describe("11.9 survey tokens never leave through the API", () => {
    const OUTBOX = `{ emailOutbox(first: 100) { id to subject html text state attempts lastError createdAt sentAt previewUrl survey { id state dueAt dispatchedAt expiresAt deliveredToWidget emailed score comment } } }`;

    /** Asks every token-like string of `text` of csatSurveyByToken (each from a fresh address): how many opened a survey. */
    async function opened(server: TestServer, candidates: string[]): Promise<number> {
      let n = 0;
      for (const candidate of candidates) {
        const r = await gqlFrom(server, freshIp(), `query($t: String!) { csatSurveyByToken(token: $t) { state } }`, { t: candidate });
        if (r.data?.csatSurveyByToken) n++;
      }
      return n;
    }

    for (const mode of ["development", "production"] as const) {
      it(`${mode}: neither an admin nor an API key reads a usable token from emailOutbox`, async () => {
        const server = mode === "production" ? prod : dev;
        const fixture = mode === "production" ? prodWs : ws;
        const key = mode === "production" ? prodKey : devKey;
        const tokens: string[] = [];
        for (let i = 0; i < 3; i++) tokens.push((await surveyToken(server, fixture, `t${i}-${mode}@example.com`)).token);
        // The tokens are real: each opens its survey, so the checks below can fail.
        expect(await opened(server, tokens)).toBe(3);
        const states = new Set((await server.running.app.prisma.emailOutbox.findMany()).map((e) => e.state));
        // Unsent: recorded (development), or waiting for an unreachable provider (production).
        expect([...states].every((state) => (mode === "production" ? ["PENDING", "SENDING"] : ["RECORDED"]).includes(state))).toBe(true);

        for (const [who, credential] of [["admin", fixture.token], ["API key", key]] as const) {
          const result = await gqlFrom(server, freshIp(), OUTBOX, {}, credential);
          expect(result.errors).toBeUndefined();
          const emails = result.data!.emailOutbox as { html: string; text: string; previewUrl: string | null }[];
          expect(emails.length).toBeGreaterThanOrEqual(3);
          // What the page shows: everything but the development-only preview link.
          const content = JSON.stringify(emails.map(({ previewUrl: _, ...rest }) => rest));
          const leaked = tokens.filter((t) => content.includes(t)).length;
          const candidates = tokenLike(content);
          const usable = await opened(server, candidates);
          expect(check("11.9", leaked === 0 && usable === 0), `${who}: ${leaked} tokens in the content, ${usable} usable`).toBe(true);
          // The placeholder stands where each link's token was, in both parts.
          expect(check("11.9", emails.every((e) => e.html.includes(`/csat/${HIDDEN_TOKEN}?score=5`) && e.text.includes(`/csat/${HIDDEN_TOKEN}`)))).toBe(true);

          const previews = emails.map((e) => e.previewUrl);
          if (mode === "development" && who === "admin") {
            // The one exception: an ADMIN teammate's preview link, in development only, opens the survey.
            const previewTokens = previews.map((p) => /\/csat\/([0-9a-f]{32})$/.exec(p ?? "")?.[1] ?? "");
            expect(check("11.9", previewTokens.filter((t) => tokens.includes(t)).length === 3)).toBe(true);
          } else {
            expect(check("11.9", previews.every((p) => p === null)), `${who} in ${mode}: ${JSON.stringify(previews)}`).toBe(true);
          }
        }

        // Over the WebSocket too (same resolvers), as the API key.
        const socket = await RawSocket.open(server, { ip: freshIp(), params: { authorization: `Bearer ${key}` } });
        const overWs = JSON.stringify(await socket.run(OUTBOX));
        await socket.close();
        expect(check("11.9", overWs.includes("emailOutbox") && tokens.every((t) => !overWs.includes(t)))).toBe(true);
      });
    }
  });
});
