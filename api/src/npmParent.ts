import { readFileSync } from "node:fs";

/** The pid of the `npm` process that started us through its shell, if any (Linux /proc). */
function findNpmAncestor(): number | null {
  if (!process.env.npm_lifecycle_event) return null;
  let pid = process.ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    if (/(^|\/)npm(\s|$)|npm-cli\.js|^npm /.test(cmdline)) return pid;
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  return null;
}

/**
 * Calls `onGone` once the npm process that ran `npm start` has exited: npm 11 exits on SIGTERM
 * without forwarding it, which would leave the server running with nobody to stop it.
 */
export function watchNpmParent(onGone: () => void): void {
  let npm: number | null = null;
  try {
    npm = findNpmAncestor();
  } catch {
    return; // no /proc: nothing to watch
  }
  if (npm === null) return;
  const pid = npm;
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      onGone();
    }
  }, 250);
  timer.unref();
}
