/**
 * Issue 11, the process side: one server per DATA_DIR (11.1), a hanging email provider stalls
 * neither dispatch nor SIGTERM (11.5), SIGTERM answers every request already received (11.6), no
 * tokens in logs and HTML errors on HTML routes (11.10), concurrent first starts seed once (11.11).
 * Real server processes (`node --import tsx api/src/main.ts`, npm start's entry), real sockets.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { request, Agent, type IncomingMessage } from "node:http";
import { createServer as createNetServer, connect, type Socket } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { readConfig } from "../../src/config.js";
import { LOCK_FILE, lockDataDir, StartupError } from "../../src/db/dataLock.js";
import { createLogger } from "../../src/log.js";
import { collect, gql, gqlOk, until, wsClient } from "../../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat } from "../../testkit/fixtures.js";
import { freePort, runServerToExit, startRedis, startServerProcess, type ServerProcess } from "../../testkit/processes.js";
import { createTestDatabase, DB_KINDS, PG_ADMIN_URL, startTestServer } from "../../testkit/server.js";
import { check, saveChecks } from "./checks.js";

afterAll(() => saveChecks("process"));

const ENTRY = ["--import", "tsx", "api/src/main.ts"];

/** Starts the server entry and waits until it serves or exits, whichever comes first. */
async function startOrExit(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ENTRY, { env: { ...process.env, LOG_FORMAT: "pretty", SEED_DEMO: "0", ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (b) => (output += b));
  child.stderr.on("data", (b) => (output += b));
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (c) => {
      code = c;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  await until(async () => code !== undefined || (await fetch(`${url}/healthz`).catch(() => null))?.status === 200, 90_000, "a start to serve or end");
  return {
    up: code === undefined,
    url,
    get code() {
      return code;
    },
    get output() {
      return output;
    },
    async stop() {
      if (code === undefined) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Every file under `dir` with its size and modification time: what "touched nothing" compares. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      // The lock is compared by content: its holder touches it every few seconds (a heartbeat).
      else if (entry.name === LOCK_FILE) out.push(`${p.slice(dir.length)} ${readFileSync(p, "utf8")}`);
      else {
        const s = statSync(p);
        out.push(`${p.slice(dir.length)} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

const STACK_LINE = /^\s+at .+\(|^\s+at \S+:\d+:\d+/m;

/** Signs in and reads the workspace's name: a write acknowledged earlier is still there. */
async function workspaceName(url: string, email: string): Promise<string | null> {
  const r = await gql(url, `mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { token } }`, { e: email });
  const token = r.data?.signIn?.token as string | undefined;
  if (!token) return null;
  return (await gqlOk(url, `{ workspace { name } }`, {}, token)).workspace.name;
}

describe("11.1 one server per DATA_DIR", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hydra-lock-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // Quiet workers, so the first process writes nothing while the second one tries.
  const env = { DATABASE_URL: "", DATA_DIR: dataDir, WORKER_INTERVAL_MS: "3600000" };

  it("a second process on the same folder refuses with one clear line, exits non-zero, touches nothing, loses nothing", async () => {
    const first = await startServerProcess(env);
    let second: Awaited<ReturnType<typeof runServerToExit>>;
    try {
      const before = await createWorkspaceFixture(first.url, "Before");
      const files = snapshot(dataDir);
      second = await runServerToExit({ ...env, PORT: String(await freePort()) });
      const untouched = JSON.stringify(snapshot(dataDir)) === JSON.stringify(files);
      const refusal = second.stderr.trim().split("\n");
      const clear =
        refusal.length === 1 &&
        refusal[0]!.includes(dataDir) &&
        refusal[0]!.includes(`pid ${first.child.pid}`) &&
        !STACK_LINE.test(second.output);
      // The first process goes on serving, and what it acknowledges after the refusal stays too.
      const after = await createWorkspaceFixture(first.url, "After");
      expect(await first.stop()).toBe(0);
      const restarted = await startServerProcess(env);
      let kept: (string | null)[];
      try {
        kept = [await workspaceName(restarted.url, before.adminEmail), await workspaceName(restarted.url, after.adminEmail)];
      } finally {
        await restarted.stop();
      }
      console.log(`11.1 second start: exit ${second.code}; "${refusal.join(" / ")}"`);
      expect(check("11.1", second.code !== 0 && second.code !== null), second.output).toBe(true);
      expect(check("11.1", clear), second.output).toBe(true);
      expect(check("11.1", untouched)).toBe(true);
      expect(check("11.1", kept[0] === "Before" && kept[1] === "After"), JSON.stringify(kept)).toBe(true);
      expect(existsSync(join(dataDir, LOCK_FILE)), "a clean stop removes the lock").toBe(false);
    } finally {
      await first.stop();
    }
  }, 180_000);

  it("a killed (-9) process's stale lock does not block a restart", async () => {
    const doomed = await startServerProcess(env);
    const ws = await createWorkspaceFixture(doomed.url, "Killed");
    await doomed.stop("SIGKILL");
    const lock = readFileSync(join(dataDir, LOCK_FILE), "utf8");
    expect(JSON.parse(lock).pid, "the killed process left its lock behind").toBe(doomed.child.pid);
    const restarted = await startServerProcess(env);
    try {
      expect(check("11.1", (await workspaceName(restarted.url, ws.adminEmail)) === "Killed")).toBe(true);
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8")).pid).toBe(restarted.child.pid);
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  }, 180_000);

  it("two processes started at the same moment on a fresh folder: one serves, the other refuses", async () => {
    const own = mkdtempSync(join(tmpdir(), "hydra-race-"));
    const raceEnv = { DATABASE_URL: "", DATA_DIR: own, WORKER_INTERVAL_MS: "3600000" };
    const results = await Promise.all([startOrExit(raceEnv), startOrExit(raceEnv)]);
    try {
      const up = results.filter((r) => r.up);
      const refused = results.filter((r) => !r.up);
      const why = refused.map((r) => `exit ${r.code}: ${r.output.trim()}`).join(" ");
      console.log(`11.1 simultaneous starts: ${up.length} up; the other: ${why}`);
      expect(check("11.1", up.length === 1 && refused[0]?.code === 1 && /in use by another Hydra process \(pid \d+\)/.test(why)), why).toBe(true);
      const ws = await createWorkspaceFixture(up[0]!.url, "Racer");
      expect(await workspaceName(up[0]!.url, ws.adminEmail)).toBe("Racer");
    } finally {
      for (const r of results) await r.stop();
      rmSync(own, { recursive: true, force: true });
    }
  }, 180_000);

  it("SIGTERM while starting exits at once and lets go of the folder", async () => {
    const own = mkdtempSync(join(tmpdir(), "hydra-early-"));
    try {
      const child = spawn(process.execPath, ENTRY, {
        env: { ...process.env, LOG_FORMAT: "pretty", SEED_DEMO: "0", DATABASE_URL: "", DATA_DIR: own, PORT: String(await freePort()) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (b) => (output += b));
      child.stderr.on("data", (b) => (output += b));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      await until(() => existsSync(join(own, LOCK_FILE)), 30_000, "the lock to be taken");
      const at = Date.now();
      child.kill("SIGTERM");
      const code = await exited;
      const ms = Date.now() - at;
      expect(output).toContain("SIGTERM while starting");
      expect(check("11.1", code === 1 && ms < 5000 && !existsSync(join(own, LOCK_FILE))), `${code} after ${ms} ms: ${output}`).toBe(true);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);

  it("a port already in use ends the start with one clear line and exit 1", async () => {
    const busy = createNetServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const port = (busy.address() as { port: number }).port;
    const own = mkdtempSync(join(tmpdir(), "hydra-port-"));
    try {
      const run = await runServerToExit({ DATABASE_URL: "", DATA_DIR: own, PORT: String(port) });
      const lines = run.stderr.trim().split("\n");
      console.log(`11.1 busy port: exit ${run.code}; "${lines.join(" / ")}"`);
      const oneLine = lines.length === 1 && lines[0]!.includes(`port ${port} is already in use`) && !STACK_LINE.test(run.output);
      expect(check("11.1", run.code === 1 && oneLine), run.output).toBe(true);
      // The refused start let go of its data folder.
      expect(existsSync(join(own, LOCK_FILE))).toBe(false);
    } finally {
      busy.close();
      rmSync(own, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("11.1 the lock's judgement of a lock left behind", () => {
  const cases: { name: string; owner: () => Record<string, unknown>; age: number; held: boolean }[] = [
    { name: "this host, a pid that is gone", owner: () => ({ pid: 2 ** 22 + 17, host: hostname(), started: "1" }), age: 0, held: false },
    { name: "this host, a live pid reused by another process", owner: () => ({ pid: process.ppid, host: hostname(), started: "1" }), age: 0, held: false },
    { name: "this host, a live holder", owner: () => ({ pid: process.pid, host: hostname(), started: null }), age: 0, held: true },
    { name: "another host, touched just now", owner: () => ({ pid: 1, host: "elsewhere", started: "9" }), age: 0, held: true },
    { name: "another host, untouched for a minute", owner: () => ({ pid: 1, host: "elsewhere", started: "9" }), age: 60_000, held: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.held ? "refused" : "taken over"}`, () => {
      const dir = mkdtempSync(join(tmpdir(), "hydra-lockcase-"));
      try {
        const path = join(dir, LOCK_FILE);
        writeFileSync(path, JSON.stringify(c.owner()));
        const then = new Date(Date.now() - c.age);
        utimesSync(path, then, then);
        let refused = false;
        try {
          lockDataDir(dir)();
        } catch (err) {
          refused = err instanceof StartupError && err.message.includes(dir);
        }
        const taken = !refused && !existsSync(path);
        expect(check("11.1", c.held ? refused : taken)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** A Resend stand-in that takes every request and never answers. */
async function startHangingProvider() {
  const { createServer } = await import("node:http");
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer(() => void requests++);
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get requests() {
      return requests;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends SIGTERM and measures how long the process takes to exit. */
async function terminate(server: ServerProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const code = await server.stop("SIGTERM");
  return { code, ms: Date.now() - started };
}

describe("11.5 a hanging email provider", () => {
  for (const kind of DB_KINDS) {
    it(`stalls neither survey dispatch nor widget prompts nor SIGTERM (${kind})`, async () => {
      const provider = await startHangingProvider();
      const database = kind === "postgres" ? await createTestDatabase() : null;
      const dataDir = mkdtempSync(join(tmpdir(), "hydra-hang-"));
      const server = await startServerProcess({
        DATABASE_URL: database?.url ?? "",
        DATA_DIR: dataDir,
        RESEND_API_KEY: "re_hanging",
        RESEND_BASE_URL: provider.url,
        WORKER_INTERVAL_MS: "200",
      });
      try {
        const ws = await createWorkspaceFixture(server.url, "Hanging");
        await enableCsat(server.url, ws.token, 0);
        // A survey email that the provider takes and never answers.
        const emailed = await createConversation(server.url, ws, { name: "Kim", email: "kim@example.com" });
        await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id: emailed }, ws.token);
        await until(() => provider.requests > 0, 15_000, "the provider to be called");
        // While that call hangs, a widget conversation's survey falls due (1 minute after its resolve;
        // on PostgreSQL the test moves it to now): the scheduler must dispatch it and prompt the widget.
        await gqlOk(server.url, `mutation { updateCsatSettings(input: { enabled: true, delayMinutes: 1 }) { enabled } }`, {}, ws.token);
        const started = await gqlOk(
          server.url,
          `mutation($c: ID!) { startWidgetConversation(input: { channelId: $c, customer: { name: "Wanda" } }) { visitorToken conversation { id } } }`,
          { c: ws.channelId },
        );
        const id = started.startWidgetConversation.conversation.id as string;
        const visitor = wsClient(server.wsUrl, { visitorToken: started.startWidgetConversation.visitorToken });
        const prompts = collect(visitor, `subscription($id: ID!) { csatRequested(conversationId: $id) { conversationId } }`, { id });
        try {
          await new Promise((r) => setTimeout(r, 500));
          await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
          const surveyState = async () =>
            (await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { csatSurvey { state } } }`, { id }, ws.token)).conversation.csatSurvey
              .state as string;
          expect(await surveyState()).toBe("SCHEDULED");
          let dueAt = Date.now() + 60_000;
          if (database) {
            const db = new pg.Client(database.url);
            await db.connect();
            await db.query(`UPDATE csat_survey SET due_at = now() WHERE conversation_id = $1`, [id]);
            await db.end();
            dueAt = Date.now();
          }
          let promptMs = Infinity;
          await until(() => prompts.events.length > 0, dueAt - Date.now() + 10_000, "the widget's prompt while the provider hangs").then(
            () => (promptMs = Date.now() - dueAt),
            () => {},
          );
          const state = await surveyState();
          console.log(`11.5 (${kind}): provider called ${provider.requests}x and hanging; survey ${state}, widget prompt ${promptMs} ms after it fell due`);
          expect(check("11.5", promptMs < 10_000 && state !== "SCHEDULED"), state).toBe(true);
        } finally {
          prompts.dispose();
          await visitor.dispose();
        }
        const { code, ms } = await terminate(server);
        console.log(`11.5 (${kind}): SIGTERM with a call in flight: exit ${code} after ${ms} ms`);
        expect(check("11.5", code === 0 && ms < 10_000), server.output()).toBe(true);
        expect(server.output()).not.toMatch(/did not stop within/);
        if (database) {
          // The abandoned email went back to the outbox, to be sent by the next process.
          const db = new pg.Client(database.url);
          await db.connect();
          const { rows } = await db.query(`SELECT state FROM email_outbox`);
          await db.end();
          expect(check("11.5", rows.length === 1 && rows[0].state === "PENDING"), JSON.stringify(rows)).toBe(true);
        }
      } finally {
        await server.stop("SIGKILL");
        await provider.stop();
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 180_000);
  }

  it("a provider call past RESEND_TIMEOUT_MS counts as a failed attempt, tried again later", async () => {
    const provider = await startHangingProvider();
    const database = await createTestDatabase();
    const server = await startServerProcess({
      DATABASE_URL: database.url,
      RESEND_API_KEY: "re_hanging",
      RESEND_BASE_URL: provider.url,
      RESEND_TIMEOUT_MS: "500",
      WORKER_INTERVAL_MS: "200",
    });
    const db = new pg.Client(database.url);
    await db.connect();
    try {
      const ws = await createWorkspaceFixture(server.url, "Timeout");
      await enableCsat(server.url, ws.token, 0);
      const id = await createConversation(server.url, ws, { name: "Tim", email: "tim@example.com" });
      await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
      let row: { state: string; attempts: number; last_error: string | null } | undefined;
      await until(async () => {
        row = (await db.query(`SELECT state, attempts, last_error FROM email_outbox`)).rows[0];
        return row?.state === "PENDING" && row.attempts === 1;
      }, 15_000, "the timed-out attempt to be recorded");
      expect(check("11.5", /within 500 ms/.test(row!.last_error ?? "")), JSON.stringify(row)).toBe(true);
    } finally {
      await db.end();
      await server.stop();
      await provider.stop();
      await database.drop();
    }
  }, 120_000);
});

type Outcome = "answered" | "refused" | "lost";

/** Why requests were lost, for the failure message. */
const lostWhy: string[] = [];
let sigtermAt = 0;

/** A fresh connection reset after a stop began: when it was made, to tell it from a lost request. */
interface LateReset {
  connectedAt: number;
}
const resets: LateReset[] = [];

/**
 * One request on `agent` (keep-alive) or on a fresh connection; how it ended. A fresh connection
 * the kernel completed while the server was closing its listening socket is reset, not refused:
 * it is noted in `resets` and sorted out by `settle` against the moment the drain began.
 */
function probe(url: string, path: string, agent: Agent | false, token?: string): Promise<Outcome | "reset"> {
  return new Promise((resolve) => {
    let reused = false;
    const body = path === "/graphql" ? JSON.stringify({ query: "{ workspace { name } }" }) : undefined;
    const headers: Record<string, string> = agent ? {} : { connection: "close" };
    if (body) Object.assign(headers, { "content-type": "application/json", "content-length": String(body.length), authorization: `Bearer ${token}` });
    const req = request(`${url}${path}`, { agent, method: body ? "POST" : "GET", headers }, (res: IncomingMessage) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode !== 200) lostWhy.push(`status ${res.statusCode}`);
        resolve(res.statusCode === 200 ? "answered" : "lost");
      });
      res.on("error", (err) => {
        lostWhy.push(`response ${err.message}`);
        resolve("lost");
      });
    });
    let connectedAt = 0;
    req.on("socket", (socket) => {
      reused = !socket.connecting;
      socket.once("connect", () => (connectedAt = Date.now()));
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNREFUSED") return resolve("refused");
      // Reset before its handshake even completed on this side: the kernel turned it away as the
      // listening socket closed (the server only ever drops a socket it accepted after seconds of
      // silence), so no request of it was received: refused, not lost.
      if (err.code === "ECONNRESET" && connectedAt === 0 && !reused) return resolve("refused");
      // A fresh connection (or a kept-alive agent's new one) reset once connected: settle() decides.
      if (!reused && err.code === "ECONNRESET" && connectedAt > 0) {
        resets.push({ connectedAt });
        return resolve("reset");
      }
      lostWhy.push(`${err.code ?? err.message}${agent ? (reused ? " (reused socket)" : " (new kept-alive socket)") : ""} at ${Date.now() - sigtermAt} ms`);
      resolve("lost");
    });
    req.end(body);
  });
}

/** Streams requests at `url` from `streams` loops, half on kept-alive sockets, until `running()` is false. */
function requestStream(url: string, path: string, streams: number, running: () => boolean, token?: string) {
  const tally = { tried: 0, answered: 0, refused: 0, reset: 0, lost: 0, lostKeptAlive: 0 };
  const loops = Array.from({ length: streams }, async (_, i) => {
    const agent = i % 2 === 0 ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    while (running()) {
      tally.tried++;
      const outcome = await probe(url, path, agent, token);
      tally[outcome]++;
      if (outcome === "lost" && agent) tally.lostKeptAlive++;
      // A refused connection means the server has stopped listening: that stream is done.
      if (outcome === "refused" || outcome === "reset") break;
    }
    if (agent) agent.destroy();
  });
  return { tally, done: Promise.all(loops) };
}

/**
 * Resets of fresh connections made after the server logged that its drain began count as refused
 * (the server no longer accepts; the kernel turned them away); one made before it is a lost request.
 */
function settle(tally: ReturnType<typeof requestStream>["tally"], output: string): void {
  const line = output.split("\n").find((l) => l.includes("[http] draining:"));
  const drainAt = line ? Date.parse(line.slice(0, 24)) : Infinity;
  for (const r of resets.splice(0)) {
    if (r.connectedAt >= drainAt) tally.refused++;
    else {
      tally.lost++;
      lostWhy.push(`fresh connection made ${drainAt - r.connectedAt} ms before the drain began was reset`);
    }
  }
  tally.reset = 0;
}

describe("11.6 SIGTERM drains", () => {
  it("answers every request already received, refuses new connections, exits within 10 s", async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ DATABASE_URL: database.url });
    try {
      const ws = await createWorkspaceFixture(server.url, "Drain");
      const { port } = new URL(server.url);
      // A request whose body is still arriving when SIGTERM comes: received, so it must be answered.
      const slow = connect(Number(port), "127.0.0.1");
      await new Promise((r) => slow.once("connect", r));
      const body = JSON.stringify({ query: "{ workspace { name } }" });
      let slowReply = "";
      slow.on("data", (b) => (slowReply += b));
      const slowClosed = new Promise((r) => slow.once("close", r));
      slow.write(
        `POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${ws.token}\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      );
      let streaming = true;
      const stream = requestStream(server.url, "/graphql", 8, () => streaming, ws.token);
      await new Promise((r) => setTimeout(r, 1500));
      sigtermAt = Date.now();
      const stopped = terminate(server);
      await new Promise((r) => setTimeout(r, 1000));
      // Draining: a new connection is refused while the slow request is still being answered.
      const fresh = await probe(server.url, "/healthz", false);
      slow.write(body.slice(10));
      await slowClosed;
      const { code, ms } = await stopped;
      streaming = false;
      await stream.done;
      const t = stream.tally;
      const resetCount = t.reset;
      settle(t, server.output());
      console.log(
        `11.6 one process: ${t.tried} tried, ${t.answered} answered, ${t.refused} refused (${resetCount} of them reset by the kernel after the drain began), ${t.lost} lost; ` +
          `slow request ${/^HTTP\/1.1 200/.test(slowReply) ? "answered" : "NOT answered"}; exit ${code} after ${ms} ms`,
      );
      expect(check("11.6", t.lost === 0 && t.answered > 0 && t.answered + t.refused === t.tried), `${JSON.stringify(t)} ${lostWhy.join(", ")}`).toBe(true);
      expect(check("11.6", /^HTTP\/1.1 200/.test(slowReply) && slowReply.includes('"Drain"')), slowReply).toBe(true);
      expect(check("11.6", fresh === "refused"), fresh).toBe(true);
      expect(check("11.6", code === 0 && ms < 10_000), server.output()).toBe(true);
    } finally {
      await server.stop("SIGKILL");
      await database.drop();
    }
  }, 120_000);

  it("two processes with Redis: the one stopped answers what it received, the other serves on", async () => {
    const database = await createTestDatabase();
    const redis = await startRedis();
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url };
    const a = await startServerProcess(env);
    const b = await startServerProcess(env);
    try {
      const ws = await createWorkspaceFixture(a.url, "Pair");
      let streaming = true;
      const onA = requestStream(a.url, "/graphql", 6, () => streaming, ws.token);
      const onB = requestStream(b.url, "/graphql", 6, () => streaming, ws.token);
      await new Promise((r) => setTimeout(r, 1500));
      const { code, ms } = await terminate(a);
      await new Promise((r) => setTimeout(r, 500));
      streaming = false;
      await Promise.all([onA.done, onB.done]);
      settle(onA.tally, a.output());
      // The survivor still serves the workspace the stopped one created.
      expect(await workspaceName(b.url, ws.adminEmail)).toBe("Pair");
      console.log(
        `11.6 two processes: stopped one ${JSON.stringify(onA.tally)}, exit ${code} after ${ms} ms; survivor ${JSON.stringify(onB.tally)}`,
      );
      expect(check("11.6", onA.tally.lost === 0 && onA.tally.answered > 0), `${JSON.stringify(onA.tally)} ${lostWhy.join(", ")}`).toBe(true);
      expect(check("11.6", onB.tally.answered === onB.tally.tried && onB.tally.tried > 0), JSON.stringify(onB.tally)).toBe(true);
      expect(check("11.6", code === 0 && ms < 10_000), a.output()).toBe(true);
    } finally {
      await a.stop("SIGKILL");
      await b.stop();
      await redis.kill();
      await database.drop();
    }
  }, 180_000);
});

describe("11.10 no tokens in logs; HTML errors on HTML routes", () => {
  const token = "0123456789abcdef0123456789abcdef";

  for (const kind of DB_KINDS) {
    it(`an error while serving /csat/<token> logs the path masked and answers HTML (${kind})`, async () => {
      const database = kind === "postgres" ? await createTestDatabase() : null;
      const server = await startTestServer({ db: kind, config: database ? { databaseUrl: database.url } : {} });
      const admin = new pg.Client(PG_ADMIN_URL);
      await admin.connect();
      try {
        // An unexpected error whose message quotes the token (as a driver's error may quote a parameter).
        process.env.HYDRA_FAULT = "rating:lookup";
        const thrown = await fetch(`${server.url}/csat/${token}?score=4`);
        delete process.env.HYDRA_FAULT;
        const thrownBody = await thrown.text();
        // Then the database goes away under the running server (with a connection of its pool open: /healthz asks the database).
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        if (database) {
          await admin.query(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS false`);
          await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [database.name]);
        } else {
          await server.running.db.close();
        }
        const gone = await fetch(`${server.url}/csat/${token}`);
        const goneBody = await gone.text();
        const log = server.log.lines.join("\n");
        const masked = !log.includes(token) && log.includes("/csat/[token]");
        const html = (r: Response, body: string) =>
          r.status >= 500 && (r.headers.get("content-type") ?? "").startsWith("text/html") && body.startsWith("<!doctype html>");
        console.log(
          `11.10 (${kind}): ${thrown.status} and ${gone.status} answered as HTML; log: ` +
            server.log.lines.filter((l) => l.includes("/csat/")).map((l) => l.split("\n")[0]).join(" | "),
        );
        expect(check("11.10", masked), log).toBe(true);
        expect(check("11.10", html(thrown, thrownBody)), thrownBody).toBe(true);
        expect(check("11.10", html(gone, goneBody)), goneBody).toBe(true);
        // The connections the database dropped are told in the server's own log, not on bare standard error.
        if (database) await until(() => server.log.lines.some((l) => /^WARN \[db\] (idle |session )?connection lost/.test(l)), 5000, "the lost connections logged");
        // JSON routes still answer JSON.
        const api = await fetch(`${server.url}/api/csat/submit`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token, score: 3 }),
        });
        expect(api.headers.get("content-type")).toMatch(/json/);
      } finally {
        delete process.env.HYDRA_FAULT;
        if (database) await admin.query(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS true`);
        await admin.end();
        await server.running.stop().catch(() => {});
        await database?.drop();
      }
    });
  }
});

describe("11.10 the process logger", () => {
  it("masks token-shaped text in warnings and errors (an error that quotes a request)", () => {
    const token = "fedcba9876543210fedcba9876543210";
    const session = "hcs_abcdefghijklmnopqrstuvwxyz012345";
    const lines: string[] = [];
    // Both formats, through the logger's own output seam (it writes to stderr itself, not through console).
    for (const format of ["json", "pretty"] as const) {
      const log = createLogger({ format, write: (line) => void lines.push(line) });
      log.error("request failed", new Error(`invalid input: token ${token} for ${session}`));
      log.warn(`slow request with ${token}`);
    }
    const text = lines.join("\n");
    expect(check("11.10", lines.length === 4 && !text.includes(token) && !text.includes(session) && text.includes("[masked]")), text).toBe(true);
  });
});

describe("11.11 first starts", () => {
  it("two processes starting together on a fresh PostgreSQL database seed one demo workspace", async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, SEED_DEMO: "1" };
    const started = await Promise.allSettled([startServerProcess(env), startServerProcess(env)]);
    try {
      const db = new pg.Client(database.url);
      await db.connect();
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM workspace WHERE name = 'Demo Support'`);
      await db.end();
      const up = started.filter((s) => s.status === "fulfilled").length;
      console.log(`11.11 two first starts: ${up} of 2 up, ${rows[0].n} demo workspace(s)`);
      expect(check("11.11", up === 2), JSON.stringify(started.map((s) => (s.status === "rejected" ? String(s.reason) : "up")))).toBe(true);
      expect(check("11.11", rows[0].n === 1)).toBe(true);
    } finally {
      for (const s of started) if (s.status === "fulfilled") await s.value.stop();
      await database.drop();
    }
  }, 180_000);

  it("NODE_ENV=production seeds no demo workspace, even with SEED_DEMO=1 (process)", async () => {
    const database = await createTestDatabase();
    const server = await startServerProcess({ DATABASE_URL: database.url, SEED_DEMO: "1", NODE_ENV: "production" });
    try {
      const db = new pg.Client(database.url);
      await db.connect();
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM teammate`);
      await db.end();
      expect(check("11.11", rows[0].n === 0), server.output()).toBe(true);
      expect(server.output()).toContain("SEED_DEMO=1 is ignored with NODE_ENV=production");
    } finally {
      await server.stop();
      await database.drop();
    }
  }, 120_000);

  for (const kind of DB_KINDS) {
    it(`readConfig with NODE_ENV=production turns the demo off (${kind})`, async () => {
      const config = readConfig({ NODE_ENV: "production", SEED_DEMO: "1" });
      const server = await startTestServer({ db: kind, config: { seedDemo: config.seedDemo, production: true } });
      try {
        const rows = await server.running.app.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM teammate`);
        expect(check("11.11", config.seedDemo === false && rows[0]?.n === 0)).toBe(true);
      } finally {
        await server.stop();
      }
    });
  }
});
