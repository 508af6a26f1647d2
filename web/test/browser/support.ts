import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DIST = join(ROOT, "web/dist");
/** What the browser tests save for people to look at; git ignores it. */
export const SCREENSHOT_DIR = join(ROOT, "test-results/screenshots");

const SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/**
 * Finds Chromium the way a user's machine has it: `CHROMIUM_PATH`, then the system's (Debian's
 * `apt-get install chromium`), then the one shipped inside the `@sparticuz/chromium` npm package,
 * which unpacks offline from node_modules. Never a download at run time.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; source: string; extraArgs: string[] }> {
  if (env.CHROMIUM_PATH) return { path: env.CHROMIUM_PATH, source: "CHROMIUM_PATH", extraArgs: [] };
  for (const path of SYSTEM_CHROMIUMS) {
    if (await access(path, constants.X_OK).then(() => true, () => false)) return { path, source: "system", extraArgs: [] };
  }
  const { default: packaged } = await import("@sparticuz/chromium");
  // It unpacks itself into /tmp on first use: one test file at a time, or one spawns the binary
  // while another is still writing it (ETXTBSY).
  const path = await underLock("hydra-chromium-unpack.lock", () => packaged.executablePath());
  // Its build has no GPU process of its own: draw with SwiftShader, in-process.
  return { path, source: "@sparticuz/chromium", extraArgs: ["--no-zygote", "--use-gl=angle", "--use-angle=swiftshader", "--in-process-gpu"] };
}

const SOURCES = ["web/src", "web/index.html", "web/widget.html", "web/widget-demo.html", "vite.config.ts", "codegen.ts", "schema/schema.graphql"];
const OUTPUTS = ["index.html", "widget.html", "widget-demo.html", "widget/embed.js"];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

async function outputsTime(): Promise<number> {
  let oldest = Infinity;
  for (const file of OUTPUTS) {
    const info = await stat(join(DIST, file)).catch(() => null);
    if (!info) return 0;
    oldest = Math.min(oldest, info.mtimeMs);
  }
  return oldest;
}

async function isStale(): Promise<boolean> {
  const sources = Math.max(...(await Promise.all(SOURCES.map((p) => newestMtime(join(ROOT, p))))));
  return (await outputsTime()) < sources;
}

/**
 * Builds web/dist (typed documents first, then Vite) when it is missing or older than its sources.
 * A lock directory keeps two test files from building at once; a stale lock (a killed run) is taken over.
 */
export async function ensureWebBuild(): Promise<void> {
  if (!(await isStale())) return;
  await underLock("hydra-web-build.lock", async () => {
    if (!(await isStale())) return;
    const bin = (name: string) => resolve(ROOT, "node_modules/.bin", name);
    // Vitest sets NODE_ENV=test, which would give Vite React's development build.
    const env = { ...process.env, NODE_ENV: "production" };
    await run(bin("graphql-codegen"), ["--config", "codegen.ts"], { cwd: ROOT, env });
    await run(bin("vite"), ["build", "--logLevel", "warn"], { cwd: ROOT, env });
  });
}

/**
 * Runs `fn` holding a lock directory under node_modules/.cache, so test files in other workers wait
 * for it; a stale lock (a killed run) is taken over after two minutes.
 */
async function underLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(ROOT, "node_modules/.cache", name);
  await mkdir(join(lock, ".."), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const info = await stat(lock).catch(() => null);
      if (info && Date.now() - info.mtimeMs > 120_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${name}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Headless Chromium with a fresh profile (Playwright makes a new temporary user-data-dir per launch). */
export async function launchChromium(): Promise<Browser> {
  const found = await findChromium();
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...found.extraArgs,
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  try {
    await page.getByLabel("Email").waitFor({ timeout: 20_000 });
  } catch (err) {
    // Leave what the page showed, and what it said, for whoever reads the failure.
    const shot = await screenshot(page, `sign-in-failed-${Date.now()}`).catch(() => "(no screenshot)");
    throw new Error(`the sign-in form did not appear at ${page.url()} (screenshot ${shot}): ${(err as Error).message}`);
  }
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
}

/**
 * Collects every uncaught error of the context's pages (and their frames) and every console error,
 * so a test can assert there were none; `dump()` is for a failure's message.
 */
export function watchErrors(context: BrowserContext) {
  const errors: string[] = [];
  const log: string[] = [];
  const watch = (page: Page) => {
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on("requestfailed", (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return { errors, log, dump: () => log.slice(-40).join("\n") };
}

/** How far the document is wider than its viewport, in CSS pixels (0: no horizontal scrolling). */
export async function horizontalOverflow(target: Page | Frame): Promise<number> {
  return target.evaluate(() => {
    const root = document.documentElement;
    return Math.max(root.scrollWidth, document.body.scrollWidth) - root.clientWidth;
  });
}
