import type { App } from "./app.js";
import { deliverOutbox, type EmailSender } from "./outbox.js";
import { dispatchDueSurveys } from "./scheduler.js";

export interface Workers {
  /** One pass: dispatch what is due, then send what the outbox holds. */
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

  async function pass() {
    try {
      await dispatchDueSurveys(app);
    } catch (err) {
      app.log.error("[scheduler] pass failed; retrying next tick", err);
    }
    if (!options.sender) return;
    try {
      await deliverOutbox(app, options.sender);
    } catch (err) {
      app.log.error("[outbox] pass failed; retrying next tick", err);
    }
  }

  function runOnce(): Promise<void> {
    // Passes never overlap within a process; a caller during a pass waits for it and runs another.
    const next = (running ?? Promise.resolve()).then(pass);
    const tracked: Promise<void> = next.finally(() => {
      if (running === tracked) running = null;
    });
    running = tracked;
    return next;
  }

  const timer = setInterval(() => {
    if (!stopped && !running) void runOnce();
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
