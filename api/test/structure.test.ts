/**
 * The house in order: no import cycles among the server's modules (type-only imports included,
 * since a cycle of types is still two modules that cannot be understood apart).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "generated") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Relative imports and re-exports of a file, resolved to the .ts files they name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gm)) {
    found.push(resolve(dirname(file), match[1]!.replace(/\.js$/, ".ts")));
  }
  return found;
}

/** Strongly connected components of more than one node, or a node importing itself (Tarjan). */
function findCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const info = new Map<string, { index: number; low: number; onStack: boolean }>();
  const found: string[][] = [];
  const visit = (v: string) => {
    info.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!info.has(w)) {
        visit(w);
        info.get(v)!.low = Math.min(info.get(v)!.low, info.get(w)!.low);
      } else if (info.get(w)!.onStack) {
        info.get(v)!.low = Math.min(info.get(v)!.low, info.get(w)!.index);
      }
    }
    if (info.get(v)!.low === info.get(v)!.index) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        info.get(w)!.onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!info.has(v)) visit(v);
  return found;
}

describe("module structure", () => {
  it("the cycle check finds a cycle when there is one", () => {
    const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]], ["e", ["e"]]]);
    expect(findCycles(graph)).toEqual([["a", "b", "c"], ["e"]]);
    expect(findCycles(new Map([["a", ["b"]], ["b", []]]))).toEqual([]);
  });

  it("api/src has no import cycles", () => {
    const files = sources(SRC);
    const graph = new Map(files.map((f) => [relative(SRC, f), importsOf(f).filter((to) => files.includes(to)).map((to) => relative(SRC, to))]));
    expect(findCycles(graph)).toEqual([]);
  });
});
