/** One row of an audit entry's before/after diff. */
export interface DiffRow {
  key: string;
  label: string;
  before: string;
  after: string;
  changed: boolean;
}

const LABELS: Record<string, string> = { enabled: "Send surveys", delayMinutes: "Delay" };

function parse(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { value: json };
  }
}

/** `describe(key, value)` renders a known setting; anything else shows as JSON. */
export type Describe = (key: string, value: unknown) => string | undefined;

function show(key: string, value: unknown, describe?: Describe): string {
  if (value === undefined) return "—";
  const described = describe?.(key, value);
  if (described !== undefined) return described;
  if (typeof value === "boolean") return value ? "On" : "Off";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The keys of an entry's before and after values (JSON text), in a stable order, each with both
 * sides rendered and whether it changed.
 */
export function diffAudit(beforeJson: string, afterJson: string, describe?: Describe): DiffRow[] {
  const before = parse(beforeJson);
  const after = parse(afterJson);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.map((key) => ({
    key,
    label: LABELS[key] ?? key,
    before: show(key, before[key], describe),
    after: show(key, after[key], describe),
    changed: JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  }));
}
