import { buildApp, type RunningApp } from "./app.js";
import { readConfig, type Config } from "./config.js";
import { StartupError } from "./db/dataLock.js";
import { createLogger } from "./log.js";
import { watchNpmParent } from "./npmParent.js";

// Until the configuration is read: info and up, human on a terminal, JSON otherwise.
let log = createLogger();

/** A start that cannot go on ends with one line saying why (no stack) and a non-zero exit. */
async function fail(err: unknown, running: RunningApp | null): Promise<never> {
  if (err instanceof StartupError) log.error(err.message);
  else log.error("[start] failed", err);
  await running?.stop().catch(() => {});
  process.exit(1);
}

const config: Config = (() => {
  try {
    return readConfig();
  } catch (err) {
    log.error(`[start] ${(err as Error).message}`);
    process.exit(1);
  }
})();
log = createLogger({ level: config.logLevel, format: config.logFormat });
log.info(
  `[start] database: ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite in ${config.dataDir}`}; ` +
    `email: ${config.resendApiKey ? "sent through Resend" : "recorded in the outbox (no RESEND_API_KEY)"}`,
);
if (config.seedDemoRefused) log.warn("[demo] SEED_DEMO=1 is ignored with NODE_ENV=production: no demo workspace");
// A stop asked for while starting (migrations can take a while) ends at once; the exit still lets go
// of the data folder's lock.
let starting = true;
const stopWhileStarting = (signal: string) => {
  if (!starting) return;
  log.info(`[stop] ${signal} while starting: exiting`);
  process.exit(1);
};
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stopWhileStarting(signal));
let built: RunningApp | null = null;
try {
  built = await buildApp({ config, log });
  await built.start();
} catch (err) {
  await fail(err, built);
}
const running = built!;
starting = false;

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
