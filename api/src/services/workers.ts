import type { App } from "./app.js";
import { deliverOutbox, type EmailSender } from "./outbox.js";
import { createDailySweep } from "./privacy.js";
import { compactTallies } from "./reports/report.js";
import { dispatchDueSurveys } from "./scheduler.js";

/** How often a process folds the report tallies' shards (see compactTallies). */
const COMPACT_EVERY_MS = 5000;

export interface Workers {
  /** One pass: dispatch what is due, send what the outbox holds, fold the tallies' shards, the daily retention sweep. */
  runOnce(): Promise<void>;
  /** Stops the loop after the pass in progress, if any. */
  stop(): Promise<void>;
}

/**
 * The background loop every server process runs: the survey scheduler and the email outbox. Work is
 * claimed row by row in the database, so any number of processes may run it at once.
 */
export function startWorkers(app: App, options: { sender: EmailSender | null; intervalMs: number }): Workers {
  let running: Promise<void> | null = null;
  let stopped = false;
  let compactedAt = 0;
  const sweepDaily = createDailySweep(app);

  async function pass(compact: boolean) {
    try {
      await dispatchDueSurveys(app);
    } catch (err) {
      app.log.error("[scheduler] pass failed; retrying next tick", err);
    }
    if (options.sender) {
      try {
        await deliverOutbox(app, options.sender);
      } catch (err) {
        app.log.error("[outbox] pass failed; retrying next tick", err);
      }
    }
    // Housekeeping on the wall clock (not app.clock, which tests hold still).
    if (compact || Date.now() - compactedAt >= COMPACT_EVERY_MS) {
      compactedAt = Date.now();
      try {
        await compactTallies(app);
      } catch (err) {
        app.log.error("[tallies] folding shards failed; retrying next time", err);
      }
    }
    // Once a UTC day (of app.clock) across all processes: the day's row in retention_sweep decides.
    try {
      const swept = await sweepDaily();
      if (swept?.ran && swept.customers + swept.comments > 0) {
        app.log.info(`[retention] erased ${swept.customers} customer(s) and ${swept.comments} comment(s) past retention`);
      }
    } catch (err) {
      app.log.error("[retention] sweep failed; retrying next pass", err);
    }
  }

  function runOnce(compact = true): Promise<void> {
    // Passes never overlap within a process; a caller during a pass waits for it and runs another.
    const next = (running ?? Promise.resolve()).then(() => pass(compact));
    const tracked: Promise<void> = next.finally(() => {
      if (running === tracked) running = null;
    });
    running = tracked;
    return next;
  }

  const timer = setInterval(() => {
    if (!stopped && !running) void runOnce(false);
  }, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
