import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis } from "../testkit/processes.js";
import { startTestServer, type TestServer } from "../testkit/server.js";

// Rate limits with several server processes: with REDIS_URL they spend from one bucket per key, so
// N processes allow what one does; while Redis is down each counts on its own (and says so once),
// and sharing resumes when Redis is back. Two servers here, each with its own buckets and Redis
// connections, as two processes would have.

const until = async (check: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("rate limits across processes (Redis)", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    redis = await startRedis();
    // 8 a minute, 2 at once, per client address on the public token endpoints.
    const config = { redisUrl: redis.url, rateLimitTokenPerMinute: 8 };
    [a, b] = await Promise.all([startTestServer({ db: "pglite", config }), startTestServer({ db: "pglite", config })]);
    for (const server of [a, b]) {
      await until(() => server.log.lines.some((l) => l.includes("[redis] publish connection ready")), 10_000, "Redis to connect");
    }
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.kill();
  });

  /** An answer with a token that cannot exist: 404 when allowed, 429 when not; nothing is written. */
  const submit = (server: TestServer) =>
    fetch(`${server.url}/api/csat/submit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "0".repeat(32), score: 5 }),
    });

  it("two processes spend one allowance", async () => {
    expect((await submit(a)).status).toBe(404);
    expect((await submit(b)).status).toBe(404);
    // Each process has used one of its own two; the shared bucket is empty.
    const refused = await submit(a);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).code).toBe("RATE_LIMITED");
    expect((await submit(b)).status).toBe(429);
    // GraphQL's token fields spend from the same bucket.
    const res = await fetch(`${b.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hydra-csrf": "1" },
      body: JSON.stringify({ query: `mutation { submitCsat(token: "${"0".repeat(32)}", score: 5) { outcome } }` }),
    });
    expect((await res.json()).errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });

  it("while Redis is down each process counts on its own, says so once, and shares again when Redis is back", async () => {
    const port = redis.port;
    await redis.kill();
    // A's own buckets start full: two allowed, then refused, with Redis unreachable throughout.
    expect((await submit(a)).status).toBe(404);
    expect((await submit(a)).status).toBe(404);
    expect((await submit(a)).status).toBe(429);
    expect(a.log.lines.filter((l) => l.includes("[rate] token limits fall back to this process's own")).length).toBe(1);

    redis = await startRedis(port);
    const lost = (server: TestServer) => server.log.lines.some((l) => l.startsWith("ERROR [redis] publish connection lost"));
    const restored = (server: TestServer) => server.log.lines.some((l) => l.includes("[redis] publish connection restored"));
    await until(() => restored(a) && restored(b), 15_000, "both servers to reconnect to Redis");
    // However quick the restart, the loss was said.
    expect(lost(a) && lost(b)).toBe(true);
    // The restarted Redis holds no buckets: one shared allowance of two again.
    expect((await submit(a)).status).toBe(404);
    expect(a.log.lines.some((l) => l.includes("[rate] token limits are shared through Redis again"))).toBe(true);
    expect((await submit(b)).status).toBe(404);
    expect((await submit(a)).status).toBe(429);
  });
});
