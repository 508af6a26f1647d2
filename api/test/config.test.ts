import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { CONFIG_VARIABLES, readConfig, type ConfigVariable } from "../src/config.js";
import { deliverOutbox } from "../src/services/outbox.js";
import { gqlOk, until } from "../testkit/client.js";
import { createConversation, createWorkspaceFixture, enableCsat } from "../testkit/fixtures.js";
import { runServerToExit } from "../testkit/processes.js";
import { heldSender, startResendStandIn } from "../testkit/resend.js";
import { DB_KINDS, startTestServer, type TestServer } from "../testkit/server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SRC = join(ROOT, "api/src");

/** Files that may read process.env, and why: everything else gets its settings from readConfig. */
const MAY_READ_ENV: Record<string, string> = {
  "config.ts": "readConfig's default source, and runsInProduction for the schema built at import",
  "faults.ts": "HYDRA_FAULT, a crash point for the fault tests, not a setting",
  "npmParent.ts": "npm_lifecycle_event, npm's own variable",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The variable names in the first column of the README's configuration table. */
function readmeVariables(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## Configuration$/m)[1]!.split(/^## /m)[0]!;
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!);
}

describe("readConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      databasePoolSize: 10,
      redisUrl: undefined,
      resendApiKey: undefined,
      resendBaseUrl: undefined,
      resendTimeoutMs: 15_000,
      outboxLeaseMs: 60_000,
      workerIntervalMs: 5_000,
      rateLimitTokenPerMinute: 120,
      rateLimitApiPerMinute: 1200,
      wsMaxSubscriptions: 20,
      emailFrom: "Hydra <csat@localhost>",
      publicUrl: "http://localhost:4000",
      seedDemo: true,
      production: false,
      signup: "open",
      operatorToken: undefined,
      allowedOrigins: [],
      trustedProxies: [],
      rateLimitSignupPerHour: 10,
      rateLimitSignInPerMinute: 20,
      rateLimitWidgetPerMinute: 30,
    });
    expect(config.dataDir).toBe(join(process.cwd(), ".data"));
  });

  it("reads each numeric setting it is given", () => {
    const config = readConfig({ DATABASE_POOL_SIZE: "3", OUTBOX_LEASE_MS: "1500", NODE_ENV: "test", SEED_DEMO: "0", REDIS_URL: "rediss://cache:6380" });
    expect(config).toMatchObject({ databasePoolSize: 3, outboxLeaseMs: 1500, production: false, seedDemo: false, redisUrl: "rediss://cache:6380" });
    expect(readConfig({ NODE_ENV: "development" }).production).toBe(false);
    expect(readConfig({ NODE_ENV: "production" }).production).toBe(true);
  });

  // One bad value of each validated variable: the start must stop with a message that names it.
  const BAD: [ConfigVariable, string][] = [
    ["PORT", "http"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://db/hydra"],
    ["DATABASE_POOL_SIZE", "0"],
    ["DATABASE_POOL_SIZE", "ten"],
    ["REDIS_URL", "127.0.0.1:6379"],
    ["RESEND_BASE_URL", "api.resend.com"],
    ["RESEND_TIMEOUT_MS", "-1"],
    ["OUTBOX_LEASE_MS", "1.5"],
    ["OUTBOX_LEASE_MS", "a minute"],
    ["PUBLIC_URL", "csat.example.com"],
    ["SEED_DEMO", "yes"],
    ["NODE_ENV", "prod"],
    ["WORKER_INTERVAL_MS", "0"],
    ["RATE_LIMIT_TOKEN_PER_MIN", "-5"],
    ["RATE_LIMIT_API_PER_MIN", "lots"],
    ["WS_MAX_SUBSCRIPTIONS", "0"],
    ["SIGNUP", "maybe"],
    ["OPERATOR_TOKEN", "short"],
    ["ALLOWED_ORIGINS", "not an origin"],
    ["TRUSTED_PROXIES", "10.0.0.0/99"],
    ["RATE_LIMIT_SIGNUP_PER_HOUR", "1e999"],
    ["RATE_LIMIT_SIGNIN_PER_MIN", "2.5"],
    ["RATE_LIMIT_WIDGET_PER_MIN", "x"],
  ];
  for (const [name, value] of BAD) {
    it(`refuses ${name}=${value} with a message naming ${name}`, () => {
      expect(() => readConfig({ [name]: value })).toThrow(new RegExp(`^${name}\\b`));
    });
  }

  it("a bad value stops `npm start`'s entry with one line naming the variable and exit 1", async () => {
    const run = await runServerToExit({ DATABASE_POOL_SIZE: "many", DATABASE_URL: "" });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("DATABASE_POOL_SIZE must be a positive whole number");
  });
});

describe("every setting goes through readConfig", () => {
  it("no file in api/src reads process.env but the few allowed", () => {
    const readers = sourceFiles(SRC)
      .filter((file) => /process\s*(\.\s*env\b|\[\s*["'`]env)|\benv\s*}\s*=\s*process\b/.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    expect(readers.sort()).toEqual(Object.keys(MAY_READ_ENV).sort());
  });

  it("CONFIG_VARIABLES is what readConfig reads, and the README's table has a row for each", () => {
    const source = readFileSync(join(SRC, "config.ts"), "utf8");
    const body = source.slice(source.indexOf("export function readConfig"));
    const read = new Set([...body.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(readmeVariables().sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});

describe("settings reach what they set", () => {
  it("DATABASE_POOL_SIZE is the number of connections a process opens to PostgreSQL", async () => {
    const server = await startTestServer({ db: "postgres", config: { databasePoolSize: 3 } });
    try {
      const pids = await Promise.all(
        Array.from({ length: 9 }, () => server.running.app.sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_sleep(0.2)")),
      );
      expect(new Set(pids.map((rows) => rows[0]!.pid)).size).toBe(3);
    } finally {
      await server.stop();
    }
  });

  for (const kind of DB_KINDS) {
    describe(`OUTBOX_LEASE_MS (${kind})`, () => {
      const clock = createManualClock();
      let server: TestServer;
      let resend: Awaited<ReturnType<typeof startResendStandIn>>;
      beforeAll(async () => {
        resend = await startResendStandIn();
        // With a key, emails wait in the outbox as PENDING; the workers' own rounds stay an hour away.
        const config = {
          outboxLeaseMs: 123_456,
          resendApiKey: "re_test_key",
          resendBaseUrl: resend.url,
          workerIntervalMs: 3_600_000,
          instantHandOff: false,
        };
        server = await startTestServer({ db: kind, clock, config });
      });
      afterAll(async () => {
        await server?.stop();
        await resend?.stop();
      });

      it("is how long a claimed email stays reserved for its sender", async () => {
        const ws = await createWorkspaceFixture(server.url);
        await enableCsat(server.url, ws.token);
        const id = await createConversation(server.url, ws, { name: "Lee Lease", email: "lee.lease@example.com" });
        await gqlOk(server.url, `mutation($id: ID!) { resolveConversation(id: $id) { id } }`, { id }, ws.token);
        const { sender, sending, release } = heldSender();
        const delivery = deliverOutbox(server.running.app, sender);
        try {
          await until(() => sending.length > 0, 10_000, "the email to be claimed");
          const row = await server.running.app.prisma.emailOutbox.findFirstOrThrow({ where: { to: sending[0]!.to } });
          expect(row.state).toBe("SENDING");
          expect(row.lockedUntil!.getTime() - clock.now().getTime()).toBe(123_456);
        } finally {
          release();
          await delivery;
        }
      });
    });
  }
});
