// npm run bench: every part on this machine against PostgreSQL, one table, raw numbers in
// bench-results/. Parts run one after another, each with its own database and server processes:
//   queries   SQL statements per hot operation (in-process server, pg's Client.query counted)
//   submit    throughput and server CPU per op over HTTP keep-alive, as ratios to the F0 and B2 baselines
//   push      resolve → widget push latency at 50% of measured capacity: 20,000 widgets on one process,
//             40,000 on four via Redis; the idle widgets' CPU
//   memory    RSS per idle widget (20,000); heap after 10 connect/subscribe/close cycles
//   dispatch  10,000 surveys due at once
//   email     10,000 survey emails due at once at 2 requests/s; resolve → accepted p99, 1 and 2 processes
//   reports   `npm run bench:reports` (report p95 at 1,000,000 surveys ÷ `{ me { id } }`'s), as a child process
// `npm run bench -- push memory` runs only the parts named. `npm run bench -- --slow` (or
// BENCH_TASKSET=0) pins every server under test to one core with taskset, to show that the goals,
// ratios taken in the same run, hold on a slowed box. The bench always exits 0: it reports, and a
// goal not met (or a part that failed) is a line of the table, not an exit code.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { benchDispatch } from "./dispatch.js";
import { benchEmail } from "./email.js";
import { ROOT, serverCpus } from "./lib/process.js";
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
  if (output.code !== 0 || !file) {
    const tail = output.text.trim().split("\n").slice(-5).join(" / ");
    return { rows: [row("reports", "report query p95 at 1,000,000 surveys", null, "ms", "", null, `bench:reports failed (exit ${output.code}): ${tail.slice(0, 200)}`)], raw: { output: output.text } };
  }
  const results = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
    postgres?: {
      surveysPerWorkspace: number;
      timings: { name: string; kind: "range" | "trivial" | "extra"; timesTrivial: number | null; p50: number; p95: number }[];
    };
  };
  const timings = results.postgres?.timings ?? [];
  const surveys = (results.postgres?.surveysPerWorkspace ?? 0).toLocaleString("en");
  const trivial = timings.find((t) => t.kind === "trivial");
  const week = timings.find((t) => t.name === "LAST_7_DAYS");
  const all = timings.find((t) => t.name === "ALL_TIME");
  if (!trivial || !week || !all) return { rows: [row("reports", "report latency", null, "", "", null, "no timings in the results")], raw: { file } };
  const rows = [
    row("reports", `trivial query { me { id } } p95 (the yardstick)`, trivial.p95, "ms", "", null, `p50 ${trivial.p50.toFixed(2)} ms, same server, interleaved`),
    ...timings
      .filter((t) => t.timesTrivial !== null)
      .map((t) => {
        const ratio = t.p95 / trivial.p95;
        const what = t.kind === "range" ? `report ${t.name} at ${surveys} surveys: p95 ÷ trivial's` : `${t.name}: p95 ÷ trivial's`;
        return row("reports", what, ratio, "×", `≤ ${t.timesTrivial}`, ratio <= t.timesTrivial!, `p95 ${t.p95.toFixed(2)} ms, p50 ${t.p50.toFixed(2)} ms`);
      }),
    row("reports", "ALL_TIME p95 ÷ LAST_7_DAYS p95", all.p95 / week.p95, "×", "≤ 1.5", all.p95 <= 1.5 * week.p95, `${all.p95.toFixed(2)} vs ${week.p95.toFixed(2)} ms`),
  ];
  return { rows, raw: { file: `bench-results/${file}`, timings: timings.map(({ name, p50, p95 }) => ({ name, p50, p95 })) } };
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

if (process.argv.includes("--slow")) process.env.BENCH_TASKSET ||= "0";
const SERVER_CPUS = serverCpus();
const chosen = process.argv.slice(2).filter((a) => a in PARTS);
const unknown = process.argv.slice(2).filter((a) => !(a in PARTS) && a !== "--slow");
if (unknown.length) console.log(`[bench] ignoring ${unknown.join(" ")} (parts: ${Object.keys(PARTS).join(", ")}; flag: --slow)`);
const names = chosen.length ? chosen : Object.keys(PARTS);
const started = Date.now();
const load = loadavg()[0]!;
raiseFileLimit(200_000);
console.log(
  `[bench] parts: ${names.join(", ")}; load average ${load.toFixed(2)} on this ${cpus().length}-core machine at the start` +
    (SERVER_CPUS ? `; SLOWED: every server under test pinned to CPU ${SERVER_CPUS} (taskset)` : ""),
);
const results: Record<string, PartResult> = {};
for (const name of names) {
  const t = Date.now();
  console.log(`[bench] ${name}…`);
  try {
    results[name] = await PARTS[name]!();
  } catch (err) {
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
saveResults(SERVER_CPUS ? "bench-slowed" : "bench", results, SERVER_CPUS ? `servers pinned to CPU ${SERVER_CPUS} (taskset)` : undefined);
process.exit(0);

/**
 * Thousands of widgets need as many sockets in the bench and in a server: the soft limit on open
 * files goes up to `want` (or the hard limit), for this process and the servers it starts. Raising
 * the hard limit needs root (prlimit); without it the soft limit goes as far as the hard one allows.
 */
function raiseFileLimit(want: number) {
  const r = spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${want}:${want}`], { encoding: "utf8" });
  if (r.status === 0) return;
  const hard = spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).stdout.trim();
  spawnSync("prlimit", ["--pid", String(process.pid), `--nofile=${hard}:${hard}`]);
  console.log(`[bench] open files limited to ${hard} (raising it needs root); the widget parts may open fewer widgets than asked`);
}
