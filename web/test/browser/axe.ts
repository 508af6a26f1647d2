import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "playwright-core";

/** axe-core's impact levels, worst last. */
export const IMPACTS = ["minor", "moderate", "serious", "critical"] as const;
export type Impact = (typeof IMPACTS)[number];

export interface AxeResult {
  /** The page and state scanned, e.g. "widget: card" or "rating page: expired". */
  name: string;
  counts: Record<Impact, number>;
  /** One line per violation: impact, rule, how many nodes, and the first node's selector. */
  details: string[];
}

const results: AxeResult[] = [];

/**
 * Scans what `page` shows now with axe-core (WCAG 2.0–2.2 A/AA and best practices) and records it
 * under `name` for `printAxeSummary`. `include` limits the scan to one part (a frame's selector
 * scans inside it); `exclude` leaves parts out — a sandboxed iframe without scripts (the outbox's
 * email preview) must be, as axe cannot run inside it. Returns the result, so a test can require no serious or critical violation:
 *
 * ```ts
 * expect(seriousOrWorse(await scan(page, "team"))).toEqual([]);
 * ```
 */
export async function scan(page: Page, name: string, options: { include?: string; exclude?: string[] } = {}): Promise<AxeResult> {
  let builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]);
  if (options.include) builder = builder.include(options.include);
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  // A frame axe cannot enter (a sandbox without scripts) would hang the run: exclude it, and fail loudly.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`axe scan "${name}" took over 60 s (a sandboxed iframe? pass exclude)`)), 60_000);
  });
  const { violations } = await Promise.race([builder.analyze(), timeout]).finally(() => clearTimeout(timer));
  const counts: Record<Impact, number> = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  const details: string[] = [];
  for (const v of violations) {
    const impact = (v.impact ?? "minor") as Impact;
    counts[impact] += v.nodes.length;
    details.push(`${impact} ${v.id} ×${v.nodes.length}: ${v.help} — ${v.nodes[0]?.target.join(" ") ?? ""}`);
  }
  const result = { name, counts, details };
  results.push(result);
  return result;
}

/** The serious and critical violations of a scan, one line each (empty when there are none). */
export function seriousOrWorse(result: AxeResult): string[] {
  return result.details.filter((line) => line.startsWith("serious ") || line.startsWith("critical "));
}

/** Every scan so far as a table: page/state, then violations (nodes) by impact. */
export function axeSummary(): string {
  const width = Math.max(10, ...results.map((r) => r.name.length));
  const head = `${"page / state".padEnd(width)}  ${IMPACTS.map((i) => i.padStart(8)).join(" ")}`;
  const rows = results.map((r) => `${r.name.padEnd(width)}  ${IMPACTS.map((i) => String(r.counts[i]).padStart(8)).join(" ")}`);
  const notes = results.flatMap((r) => r.details.map((d) => `  ${r.name}: ${d}`));
  return [head, "-".repeat(head.length), ...rows, ...(notes.length ? ["", "violations:", ...notes] : [])].join("\n");
}

export function printAxeSummary(): void {
  if (results.length) console.log(`\naxe-core scan (violating nodes by impact)\n${axeSummary()}\n`);
}
