import { buildApp } from "./app.js";
import { readConfig } from "./config.js";
import { createLogger } from "./log.js";
import { watchNpmParent } from "./npmParent.js";

const log = createLogger();
const config = readConfig();
log.info(
  `[start] database: ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${config.dataDir}`}; ` +
    `email: ${config.resendApiKey ? "sent through Resend" : "recorded in the outbox (no RESEND_API_KEY)"}`,
);
const running = await buildApp({ config, log });
await running.start();

let stopping = false;
function shutdown(reason: string) {
  if (stopping) return;
  stopping = true;
  log.info(`[stop] ${reason}: finishing in-flight work`);
    const deadline = setTimeout(() => {
      log.error("[stop] did not stop within 10 s; exiting");
      process.exit(1);
    }, 10_000);
    deadline.unref();
  running.stop().then(
    () => process.exit(0),
    (err) => {
      log.error("[stop] failed", err);
      process.exit(1);
    },
  );
}
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => shutdown(signal));
// npm 11 exits on SIGTERM without passing it on to the script it runs: when `npm start` goes, so do we.
watchNpmParent(() => shutdown("npm start was stopped"));
