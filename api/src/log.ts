/** Where the server writes what it does: one line each. */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string, err?: unknown): void;
}

/** Survey tokens (32 hex) and prefixed bearer secrets, wherever an error's text quotes one. */
const SECRET_SHAPES = /(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])|\bhc[skv]_[A-Za-z0-9_-]{20,}/g;

/** `text` with anything shaped like a token masked. */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_SHAPES, "[masked]");
}

/**
 * Plain lines on stdout/stderr, one event a line; secrets are never passed in, and warnings and
 * errors (whose text may quote a request) are masked besides.
 */
export function createLogger(options: { quiet?: boolean } = {}): Logger {
  const stamp = () => new Date().toISOString();
  return {
    info: (line) => {
      if (!options.quiet) console.log(`${stamp()} ${line}`);
    },
    warn: (line) => console.warn(`${stamp()} WARN ${maskSecrets(line)}`),
    error: (line, err) => {
      const detail = err instanceof Error ? ` — ${err.stack ?? err.message}` : err === undefined ? "" : ` — ${String(err)}`;
      console.error(`${stamp()} ERROR ${maskSecrets(`${line}${detail}`)}`);
    },
  };
}

/** Paths whose last part is a secret (a survey or unsubscribe token). */
const TOKEN_PATHS = [/^(\/csat\/)[^/]+/, /^(\/api\/csat\/unsubscribe\/)[^/]+/];

/**
 * A request's path as logs may show it: a token in the path is masked and the query string (which
 * may carry one too) is left out.
 */
export function pathForLog(url: string | undefined): string {
  let path: string;
  try {
    path = new URL(url ?? "/", "http://x").pathname;
  } catch {
    return "(unparsable path)";
  }
  for (const pattern of TOKEN_PATHS) path = path.replace(pattern, "$1[token]");
  return path;
}

/** `err` with every occurrence of `secret` masked in its message and stack, for the log. */
export function withoutSecret(err: unknown, secret: string | undefined): unknown {
  if (!secret || !(err instanceof Error)) return err;
  const mask = (text: string) => text.split(secret).join("[token]");
  const copy = new Error(mask(err.message));
  copy.name = err.name;
  copy.stack = err.stack === undefined ? undefined : mask(err.stack);
  return copy;
}
