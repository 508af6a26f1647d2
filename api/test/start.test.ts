import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gqlOk, until } from "../testkit/client.js";
import { freePort, startServerProcess } from "../testkit/processes.js";

/** `npm start`'s own entry point, run as a newcomer would, on a fresh data folder. */
describe("npm start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hydra-start-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("serves on PORT, seeds the demo workspace, answers /healthz and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    // Exactly what a newcomer types: `npm start` (it builds the web app, then serves).
    const child = spawn("npm", ["start", "--silent"], {
      env: { ...process.env, LOG_FORMAT: "pretty", PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: "", SEED_DEMO: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b) => (output += b));
    child.stderr.on("data", (b) => (output += b));
    // npm exits on SIGTERM at once without passing it on; the server notices and stops by itself,
    // so "stopped" means its output closed (the pipes it inherited) and its port is free.
    const exited = new Promise<number | null>((resolve) => child.stdout.on("close", () => resolve(0)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await until(
        async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200,
        60_000,
        "/healthz",
      );
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
      const key = /demo API key, shown only now: (hck_\S+)/.exec(output)?.[1];
      expect(key, output).toBeTruthy();
      expect(output).toContain("sign in as admin@demo.hydra.test");
      const data = await gqlOk(url, `{ workspace { name } bots { name } conversations { status } }`, {}, key);
      expect(data.workspace.name).toBe("Demo Support");
      expect(data.bots.map((b: { name: string }) => b.name)).toEqual(["Ava", "Billing bot"]);
      expect(data.conversations).toHaveLength(3);
      const signIn = await gqlOk(
        url,
        `mutation { signIn(email: "admin@demo.hydra.test", password: "hydra-demo") { teammate { role } } }`,
      );
      expect(signIn.signIn.teammate.role).toBe("ADMIN");

      // A write the first server acknowledged, then a second `npm start` on the same DATA_DIR:
      // it refuses with one line naming the folder and the other process, and exits non-zero.
      await gqlOk(url, `mutation { createBot(name: "Written before the second start") { id } }`, {}, key);
      // (Its build step is skipped: the first one built web/dist, which other tests may be reading.)
      const second = spawn("npm", ["start", "--silent", "--ignore-scripts"], {
        env: { ...process.env, LOG_FORMAT: "pretty", PORT: String(await freePort()), DATA_DIR: dataDir, DATABASE_URL: "", SEED_DEMO: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let secondOutput = "";
      second.stdout.on("data", (b) => (secondOutput += b));
      second.stderr.on("data", (b) => (secondOutput += b));
      const secondCode = await new Promise<number | null>((resolve) => second.on("exit", (c) => resolve(c)));
      expect(secondCode, secondOutput).not.toBe(0);
      expect(secondOutput).toContain(`the data folder ${dataDir}`);
      expect(secondOutput).toMatch(/in use by another Hydra process \(pid \d+/);
      expect(secondOutput).not.toMatch(/\n\s+at \S+ \(/);
      // The first still serves, with everything it acknowledged.
      const after = await gqlOk(url, `{ bots { name } }`, {}, key);
      expect(after.bots.map((b: { name: string }) => b.name)).toContain("Written before the second start");
    } finally {
      const stoppedAt = Date.now();
      child.kill("SIGTERM");
      const code = await exited;
      expect(code, output).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    }
    expect(output).toContain("[stop] npm start was stopped");
    expect(output).toContain("[http] stopped");
    expect(output).not.toMatch(/ERROR/);
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)).toBeNull();

    // Nothing lost: a restart on the same folder has the first server's writes.
    const restarted = await startServerProcess({ DATA_DIR: dataDir, DATABASE_URL: "", SEED_DEMO: "0" });
    try {
      const signedIn = await gqlOk(
        restarted.url,
        `mutation { signIn(email: "admin@demo.hydra.test", password: "hydra-demo") { token } }`,
      );
      const bots = await gqlOk(restarted.url, `{ bots { name } }`, {}, signedIn.signIn.token);
      expect(bots.bots.map((b: { name: string }) => b.name)).toContain("Written before the second start");
    } finally {
      await restarted.stop();
    }
  }, 240_000);
});
