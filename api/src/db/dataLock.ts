import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The lock file in `DATA_DIR` that says which process serves the embedded database. */
export const LOCK_FILE = "hydra.lock";

/**
 * The holder touches its lock this often. Its pid cannot be checked from another host (a container
 * recreated under a new hostname on the same volume), so there a lock untouched for STALE_AFTER_MS
 * counts as left behind.
 */
const HEARTBEAT_MS = 10_000;
const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

/** A start that must not go on; main prints its message as one line, without a stack. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

interface Owner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is not taken for it. */
  started: string | null;
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": starttime is the 22nd field, the 20th after the ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function parse(text: string): Owner | null {
  try {
    const owner = JSON.parse(text) as Partial<Owner>;
    if (typeof owner.pid !== "number" || typeof owner.host !== "string") return null;
    return { pid: owner.pid, host: owner.host, started: typeof owner.started === "string" ? owner.started : null };
  } catch {
    return null;
  }
}

/** Whether the process that wrote the lock still runs; on another host, whether it still touches it. */
function alive(owner: Owner, path: string): boolean {
  if (owner.host !== hostname()) {
    try {
      return Date.now() - statSync(path).mtimeMs < STALE_AFTER_MS;
    } catch {
      return false;
    }
  }
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = startTimeOf(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

function readOwner(path: string): { text: string; owner: Owner | null } | null {
  try {
    const text = readFileSync(path, "utf8");
    return { text, owner: parse(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function refuseIfHeld(dir: string, path: string, owner: Owner | null): void {
  if (!owner || !alive(owner, path)) return;
  throw new StartupError(
    `[start] the data folder ${dir} is in use by another Hydra process (pid ${owner.pid}` +
      `${owner.host !== hostname() ? ` on ${owner.host}` : ""}); stop it first, or give this one its own DATA_DIR ` +
      `(lock file: ${path})`,
  );
}

/**
 * Takes `dir`'s lock for this process, or throws a StartupError naming the folder and the process
 * that holds it. The lock file appears whole (written aside, then hard-linked into place, which
 * fails if one exists); a lock whose process is gone (killed, crashed) is taken over. Returns the
 * release, which removes the file only while it is still ours.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  // Refused before writing anything: a second start leaves the folder exactly as it found it.
  refuseIfHeld(dir, path, readOwner(path)?.owner ?? null);
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), started: startTimeOf(process.pid) } satisfies Owner);
  const scratch = join(dir, `.${LOCK_FILE}.${process.pid}.${randomBytes(4).toString("hex")}`);
  writeFileSync(scratch, mine);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(scratch, path);
        const heartbeat = setInterval(() => {
          try {
            const now = new Date();
            utimesSync(path, now, now);
          } catch {
            // gone or replaced: nothing to keep fresh
          }
        }, HEARTBEAT_MS);
        heartbeat.unref();
        return () => {
          clearInterval(heartbeat);
          try {
            if (readFileSync(path, "utf8") === mine) unlinkSync(path);
          } catch {
            // already gone
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const held = readOwner(path);
      if (!held) continue; // released meanwhile: try again
      refuseIfHeld(dir, path, held.owner);
      // Stale: move it aside under a name of our own and check that it is still the one we judged
      // (another starter may have replaced it meanwhile); if not, put that one back.
      const aside = `${scratch}.stale`;
      try {
        renameSync(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      const moved = readFileSync(aside, "utf8");
      if (moved === held.text) {
        unlinkSync(aside);
      } else {
        try {
          linkSync(aside, path);
        } catch {
          // a third starter holds it now; it will be judged on the next attempt
        }
        unlinkSync(aside);
      }
    }
    throw new StartupError(`[start] could not take the lock on the data folder ${dir} (${path}); try again`);
  } finally {
    unlinkSync(scratch);
  }
}
