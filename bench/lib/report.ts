import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "./process.js";

/** One line of the table: a figure beside its goal. `met` is null for context rows (no goal). */
export interface Row {
  part: string;
  what: string;
  value: number | null;
  unit: string;
  goal: string;
  met: boolean | null;
  note?: string;
}

export interface PartResult {
  rows: Row[];
  /** Everything measured, for bench-results/*.json. */
  raw: Record<string, unknown>;
}

export const row = (part: string, what: string, value: number | null, unit: string, goal = "", met: boolean | null = null, note?: string): Row => ({
  part,
  what,
  value,
  unit,
  goal,
  met,
  ...(note ? { note } : {}),
});

function fmt(value: number | null, unit: string): string {
  if (value === null || Number.isNaN(value)) return "—";
  if (Number.isInteger(value)) return `${value}${unit ? ` ${unit}` : ""}`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [r.part, r.what, fmt(r.value, r.unit), r.goal, r.met === null ? "" : r.met ? "met" : "NOT MET", r.note ?? ""]);
  const head = ["part", "what", "figure", "goal", "", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => (i === 2 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join(" | ").trimEnd();
  const out = [line(head), widths.map((w) => "-".repeat(w)).join("-|-")];
  let last = "";
  for (const c of cells) {
    if (last && c[0] !== last) out.push(widths.map((w) => "-".repeat(w)).join("-|-"));
    last = c[0]!;
    out.push(line(c));
  }
  const goals = rows.filter((r) => r.met !== null);
  out.push("", `${goals.filter((r) => r.met).length} of ${goals.length} goals met`);
  return out.join("\n");
}

/** Prints the table and writes bench-results/<timestamp>-<name>.json. */
export function saveResults(name: string, parts: Record<string, PartResult>, title?: string): string {
  const rows = Object.values(parts).flatMap((p) => p.rows);
  const table = `${title ? `${title}\n\n` : ""}${renderTable(rows)}`;
  console.log(`\n${table}\n`);
  const dir = join(ROOT, "bench-results");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = join(dir, `${stamp}-${name}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        name,
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
        rows,
        raw: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.raw])),
        table,
      },
      null,
      2,
    ),
  );
  console.log(`raw numbers: ${file}`);
  return file;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Runs a part as its own script: `tsx bench/<part>.ts`. */
export async function runAsScript(name: string, fn: () => Promise<PartResult>): Promise<void> {
  try {
    const result = await fn();
    saveResults(name, { [name]: result });
    process.exit(0);
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `min–max` of a figure over the rounds. */
export function spread(values: number[], digits = 2): string {
  if (!values.length) return "—";
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

/**
 * A goal that is a ratio measured in the same run: the median of the rounds' ratios beside the
 * goal, the rounds' spread (min–max) in the note.
 */
export function ratioRow(part: string, what: string, ratios: number[], direction: ">=" | "<=", goal: number, note?: string): Row {
  if (!ratios.length) return row(part, what, NaN, "×", `${direction === ">=" ? "≥" : "≤"} ${goal}`, null, "not measured");
  const value = median(ratios);
  const met = direction === ">=" ? value >= goal : value <= goal;
  const rounds = `median of ${ratios.length} rounds, spread ${spread(ratios)}`;
  return row(part, what, value, "×", `${direction === ">=" ? "≥" : "≤"} ${goal}`, met, note ? `${rounds}; ${note}` : rounds);
}
