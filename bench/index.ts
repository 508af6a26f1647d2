// npm run bench: every part on this machine against PostgreSQL, one table, raw numbers in
// bench-results/. Parts run one after another, each with its own database and server processes:
//   queries   SQL statements per hot operation (in-process server, pg's Client.query counted)
//   submit    answers/s and resolves/s over HTTP keep-alive beside the F0 and B2 baselines
//   push      resolve → widget push latency with 5,000 widgets, one process and two via Redis
//   memory    RSS per idle widget; heap after 10 connect/subscribe/close cycles
//   dispatch  10,000 surveys due at once
//   email     10,000 survey emails due at once at 2 requests/s; resolve → accepted p99, 1 and 2 processes
//   reports   `npm run bench:reports` (report query p95 at 1,000,000 surveys), as a child process
// `npm run bench -- push memory` runs only the parts named.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { benchDispatch } from "./dispatch.js";
import { benchEmail } from "./email.js";
import { ROOT } from "./lib/process.js";
import { row, saveResults, type PartResult } from "./lib/report.js";
import { benchMemory } from "./memory.js";
import { benchPush } from "./push.js";
import { benchQueries } from "./queries.js";
import { benchSubmit } from "./submit.js";

/** The reports part belongs to bench/reports.ts; here it is run as it is and its summary read. */
async function benchReports(): Promise<PartResult> {
  const script = join(ROOT, "bench/reports.ts");
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  if (!existsSync(script) || !pkg.scripts?.["bench:reports"]) {
    return { rows: [row("reports", "report query p95 at 1,000,000 surveys", null, "ms", "", null, "not available (no bench:reports yet)")], raw: {} };
  }
  const started = Date.now();
  const args = (process.env.BENCH_REPORTS_ARGS ?? "--no-pglite --runs 100").split(" ").filter(Boolean);
  const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn("npm", ["run", "--silent", "bench:reports", "--", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    const onData = (b: Buffer) => {
      text += b.toString();
      if (process.env.BENCH_VERBOSE) process.stderr.write(b);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => resolve({ code, text }));
  });
  const dir = join(ROOT, "bench-results");
  const file = readdirSync(dir)
    .filter((f) => f.startsWith("reports-") && f.endsWith(".json") && statSync(join(dir, f)).mtimeMs >= started)
    .sort()
    .pop();
  const summary = /p95 worst ([\d.]+) ms \(target ≤ ([\d.]+) ms/.exec(output.text);
  if (output.code !== 0 || !file || !summary) {
    const tail = output.text.trim().split("\n").slice(-5).join(" / ");
    return { rows: [row("reports", "report query p95 at 1,000,000 surveys", null, "ms", "", null, `bench:reports failed (exit ${output.code}): ${tail.slice(0, 200)}`)], raw: { output: output.text } };
  }
  const results = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
    postgres?: { surveysPerWorkspace: number; timings: { name: string; p95: number }[] };
  };
  const worst = Number(summary[1]);
  const goal = Number(summary[2]);
  const timings = results.postgres?.timings ?? [];
  const surveys = results.postgres?.surveysPerWorkspace ?? 0;
  return {
    rows: [
      row("reports", `report query p95 at ${surveys.toLocaleString("en")} surveys (worst range)`, worst, "ms", `≤ ${goal} ms`, worst <= goal,
        timings.map((t) => `${t.name} ${t.p95.toFixed(1)}`).join(", ")),
    ],
    raw: { file: `bench-results/${file}`, timings },
  };
}

const PARTS: Record<string, () => Promise<PartResult>> = {
  queries: benchQueries,
  submit: benchSubmit,
  push: benchPush,
  memory: benchMemory,
  dispatch: benchDispatch,
  email: benchEmail,
  reports: benchReports,
};

const chosen = process.argv.slice(2).filter((a) => a in PARTS);
const names = chosen.length ? chosen : Object.keys(PARTS);
const started = Date.now();
const load = loadavg()[0]!;
console.log(`[bench] parts: ${names.join(", ")}; load average ${load.toFixed(2)} on this ${cpus().length}-core machine at the start`);
const results: Record<string, PartResult> = {};
let failed = false;
for (const name of names) {
  const t = Date.now();
  console.log(`[bench] ${name}…`);
  try {
    results[name] = await PARTS[name]!();
  } catch (err) {
    failed = true;
    console.error(`[bench] ${name} failed:`, err);
    results[name] = { rows: [row(name, "failed", null, "", "", false, (err as Error).message.slice(0, 200))], raw: { error: String(err) } };
  }
  console.log(`[bench] ${name} took ${((Date.now() - t) / 1000).toFixed(0)} s`);
}
results.run = {
  rows: [],
  raw: { seconds: (Date.now() - started) / 1000, loadAverageAtStart: load, loadAverageAtEnd: loadavg()[0] },
};
console.log(`[bench] all parts in ${((Date.now() - started) / 60_000).toFixed(1)} min; load average ${loadavg()[0]!.toFixed(2)} at the end`);
saveResults("bench", results);
process.exit(failed ? 1 : 0);
