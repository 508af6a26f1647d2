import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { ROOT } from "./process.js";

/** The parts of V8's .cpuprofile (what `node --cpu-prof` writes) this reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  /** `function (file:line)`, or a package's name. */
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  files: string[];
  totalMs: number;
  /** Time not idle (the "(idle)" pseudo-frame aside; "(program)" is native work outside JavaScript, and counts). */
  busyMs: number;
  functions: SelfTime[];
  /** Self time by where the code lives: a package (node_modules/<name>), our own folders, node internals, GC. */
  places: SelfTime[];
}

/** Where a frame's code lives: `graphql`, `@prisma/client`, `api/src/http`, `node:internal`, `(garbage collector)`. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const path = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  if (path.startsWith("node:")) return "node:internal";
  const rel = relative(ROOT, path);
  if (rel.startsWith("..")) return path;
  const parts = rel.split("/");
  return parts.slice(0, Math.min(parts.length - 1, 3)).join("/") || rel;
}

function label(frame: CpuProfile["nodes"][number]["callFrame"]): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const path = frame.url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/(.*)$/.exec(path);
  const where = pkg ? pkg[1]! : path.startsWith("node:") ? path : relative(ROOT, path);
  return `${name} (${where}:${frame.lineNumber + 1})`;
}

const IDLE = new Set(["(idle)"]);

/** Self time per function and per place, from the samples of one or more .cpuprofile files (summed). */
export function summarizeProfile(files: string | string[], top = 25): ProfileSummary {
  const list = typeof files === "string" ? [files] : files;
  const fn = new Map<string, number>();
  const place = new Map<string, number>();
  let total = 0;
  let busy = 0;
  for (const file of list) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      // A sample's time is the delta to the next one (the last sample gets the mean).
      const dt = profile.timeDeltas[i + 1] ?? (profile.endTime - profile.startTime) / profile.samples.length;
      selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + Math.max(0, dt));
    }
    for (const [id, us] of selfUs) {
      const frame = byId.get(id)!.callFrame;
      total += us;
      if (IDLE.has(frame.functionName)) continue;
      busy += us;
      const name = label(frame);
      fn.set(name, (fn.get(name) ?? 0) + us);
      const where = placeOf(frame.url, frame.functionName);
      place.set(where, (place.get(where) ?? 0) + us);
    }
  }
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busy ? us / busy : 0 }));
  return { files: list, totalMs: total / 1000, busyMs: busy / 1000, functions: rank(fn, top), places: rank(place, top) };
}

/** The summary as text: self-time shares of the busy time, by place, then by function. */
export function formatProfile(title: string, s: ProfileSummary, ops?: number): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const perOp = (ms: number) => (ops ? `  ${((ms / ops) * 1000).toFixed(0).padStart(5)} µs/op` : "");
  const lines = [
    `## ${title}`,
    `busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms sampled${ops ? ` over ${ops} operations (${(s.busyMs / ops).toFixed(3)} ms/op)` : ""}; ${s.files.length === 1 ? relative(ROOT, s.files[0]!) : `${s.files.length} profiles`}`,
    "",
    "self time by place:",
    ...s.places.map((p) => `${pct(p.share)}${perOp(p.ms)}  ${p.name}`),
    "",
    "self time by function:",
    ...s.functions.map((f) => `${pct(f.share)}${perOp(f.ms)}  ${f.name}`),
  ];
  return lines.join("\n");
}
