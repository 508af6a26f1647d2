// Loaded with `node --import` in front of a server under test: its event-loop delay and memory
// once a second, and on SIGUSR2 after a full GC (see bench/lib/metrics.ts).
import { startMetrics } from "./metrics.js";

if (process.env.HYDRA_METRICS === "1") startMetrics();

// A baseline has no SIGTERM handler of its own; exiting normally lets --cpu-prof write its profile.
// (Hydra's main.ts adds its own graceful shutdown, which runs instead.)
setImmediate(() => {
  if (process.listenerCount("SIGTERM") === 0) process.on("SIGTERM", () => process.exit(0));
});
