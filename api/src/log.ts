import type { Logger } from "./services/app.js";

/** Plain lines on stdout/stderr, one event a line; secrets are never passed in. */
export function createLogger(options: { quiet?: boolean } = {}): Logger {
  const stamp = () => new Date().toISOString();
  return {
    info: (line) => {
      if (!options.quiet) console.log(`${stamp()} ${line}`);
    },
    warn: (line) => console.warn(`${stamp()} WARN ${line}`),
    error: (line, err) => {
      const detail = err instanceof Error ? ` — ${err.stack ?? err.message}` : err === undefined ? "" : ` — ${String(err)}`;
      console.error(`${stamp()} ERROR ${line}${detail}`);
    },
  };
}
