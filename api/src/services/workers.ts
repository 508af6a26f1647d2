import { pruneConversationOrder } from "./conversationSearch.js";
import type { App } from "../deps.js";
import { requestLog } from "../log.js";
import { newRequestId, withRequestId } from "../requestId.js";
import { deliverOutbox, type EmailSender } from "./outbox.js";
import type { ProviderPacer } from "./providerPacing.js";
import { createDailySweep } from "./privacy.js";
import { compactTallies } from "./reports/report.js";
import { dispatchDueSurveys } from "./scheduler.js";
import { deliverWebhooks } from "./webhookDeliveries.js";

/** How often a process folds the report tallies' shards (see compactTallies). */
const COMPACT_EVERY_MS = 5000;

export interface Workers {
  /** One pass of each loop: dispatch what is due, fold the tallies' shards and run the daily retention sweep, then send what the outbox holds, then POST the webhooks due. */
  runOnce(): Promise<void>;
  /** Stops the loops: the scheduler after its pass in progress; an email or webhook being sent is abandoned and handed back. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` on demand and on a timer, one at a time. Each pass has a request id `<name>-…` of its
 * own, on every line it writes through the `app` it is given (and, with LOG_REQUEST_IDS=all, on
 * every line of the work it causes).
 */
function serialLoop(app: App, name: string, pass: (app: App) => Promise<void>) {
  const withId = () => {
    const id = newRequestId(name);
    return withRequestId(id, pass, { ...app, log: requestLog(app.log, id) });
  };
  let running: Promise<void> | null = null;
  let again = false;
  return {
    get busy() {
      return running !== null;
    },
    /** Runs a pass now, or once more after the one in progress (however many wakes come meanwhile). */
    wake(): void {
      if (running === null) void this.run();
      else if (!again) {
        again = true;
        void running.finally(() => {
          again = false;
          void this.run();
        });
      }
    },
    run(): Promise<void> {
      // Passes never overlap within a loop; a caller during a pass waits for it and runs another.
      const next = (running ?? Promise.resolve()).then(withId);
      const tracked: Promise<void> = next.finally(() => {
        if (running === tracked) running = null;
      });
      running = tracked;
      return next;
    },
    settled: () => running?.catch(() => {}),
  };
}

/**
 * The background loops every server process runs: the survey scheduler, and apart from it the email
 * outbox, so a provider that hangs never holds up a dispatch (or a widget's prompt). Work is claimed
 * row by row in the database, so any number of processes may run them at once.
 */
export function startWorkers(
  app: App,
  options: {
    sender: EmailSender | null;
    intervalMs: number;
    sendTimeoutMs?: number;
    /** The provider's pace, shared by every process's sender. */
    pacer?: ProviderPacer;
    /** LISTEN on a channel (see Database.listen): a committed outbox insert wakes the sender at once. */
    listen?: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
  },
): Workers {
  let stopped = false;
  let compactedAt = 0;
  const sweepDaily = createDailySweep(app);
  const stopping = new AbortController();

  const scheduler = serialLoop(app, "scheduler", async (app) => {
    try {
      await dispatchDueSurveys(app);
    } catch (err) {
      app.log.error("[scheduler] pass failed; retrying next tick", err);
    }
    // Housekeeping on the wall clock (not app.clock, which tests hold still).
    if (Date.now() - compactedAt >= COMPACT_EVERY_MS) {
      compactedAt = Date.now();
      try {
        await compactTallies(app);
      } catch (err) {
        app.log.error("[tallies] folding shards failed; retrying next time", err);
      }
      try {
        await pruneConversationOrder(app);
      } catch (err) {
        app.log.error("[inbox] forgetting old list order failed; retrying next time", err);
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
  });
  const sender = options.sender;
  const outbox = serialLoop(app, "outbox", async (app) => {
    if (!sender || stopping.signal.aborted) return;
    try {
      await deliverOutbox(app, sender, {
        stop: stopping.signal,
        ...(options.sendTimeoutMs ? { timeoutMs: options.sendTimeoutMs } : {}),
        ...(options.pacer ? { pacer: options.pacer } : {}),
      });
    } catch (err) {
      app.log.error("[outbox] pass failed; retrying next tick", err);
    }
  });

  // Outgoing webhooks: a loop of their own, so a receiver that hangs holds up neither surveys nor emails.
  const webhooks = serialLoop(app, "webhooks", async (app) => {
    if (stopping.signal.aborted) return;
    try {
      await deliverWebhooks(app, { stop: stopping.signal });
    } catch (err) {
      app.log.error("[webhooks] pass failed; retrying next tick", err);
    }
  });

  // Instant hand-off: the outbox's NOTIFY (sent on commit by its insert trigger) wakes this sender;
  // the tick stays as the safety net.
  let unlisten: Promise<(() => Promise<void>) | null> = Promise.resolve(null);
  if (sender && options.listen) {
    unlisten = options.listen("hydra_outbox", () => {
      if (!stopped) outbox.wake();
    }).catch((err: Error) => {
      app.log.warn(`[outbox] no instant hand-off (LISTEN failed: ${err.message}); sending on the worker tick`);
      return null;
    });
  }

  // The same for webhooks: each committed delivery's NOTIFY wakes the webhook loop.
  let unlistenWebhooks: Promise<(() => Promise<void>) | null> = Promise.resolve(null);
  if (options.listen) {
    unlistenWebhooks = options.listen("hydra_webhooks", () => {
      if (!stopped) webhooks.wake();
    }).catch((err: Error) => {
      app.log.warn(`[webhooks] no instant hand-off (LISTEN failed: ${err.message}); sending on the worker tick`);
      return null;
    });
  }

  const timer = setInterval(() => {
    if (stopped) return;
    if (!scheduler.busy) void scheduler.run();
    if (!outbox.busy) void outbox.run();
    if (!webhooks.busy) void webhooks.run();
  }, options.intervalMs);
  timer.unref();

  return {
    async runOnce() {
      compactedAt = 0;
      await scheduler.run();
      await outbox.run();
      await webhooks.run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      stopping.abort();
      // UNLISTEN fails once the database is gone (closed PGlite, a dropped connection); stopping goes on.
      const quiet = async (pending: Promise<(() => Promise<void>) | null>, name: string) => {
        try {
          await (await pending)?.();
        } catch (err) {
          app.log.warn(`[${name}] UNLISTEN failed while stopping: ${(err as Error).message}`);
        }
      };
      await Promise.all([quiet(unlisten, "outbox"), quiet(unlistenWebhooks, "webhooks")]);
      await Promise.all([scheduler.settled(), outbox.settled(), webhooks.settled()]);
    },
  };
}
