import autocannon from "autocannon";
import { monotonicMs } from "./clock.js";
import { keepAliveAgent, send } from "./http.js";
import { percentile } from "./report.js";

export interface LoadTarget {
  url: string;
  method: "POST" | "PATCH";
  path: string;
  headers?: Record<string, string>;
  /** The n-th request of this target (n counts across warm-up and measurement): its body, and its path if not `path`. */
  request(n: number): { body: string; path?: string };
  /** True when the response is the one the operation should give (e.g. outcome ACCEPTED). */
  ok(status: number, body: string): boolean;
}

export interface LoadResult {
  /** Responses that were right, per second of the measured run. */
  okPerSec: number;
  requests: number;
  ok: number;
  wrong: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** The first wrong response, to say what went wrong. */
  sample: string | null;
}

/** Keep-alive connections of a load run (BENCH_CONNECTIONS; 100 unless given). */
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);

/** A load run: `warmupSec` discarded, then `seconds` measured, over CONNECTIONS keep-alive connections (or `connections`). */
export async function runLoad(
  target: LoadTarget,
  opts: {
    warmupSec: number;
    seconds: number;
    beforeMeasure?: () => Promise<void>;
    /** requests/s offered; unset: as fast as it goes */
    rate?: number;
    /** keep-alive connections; CONNECTIONS unless given */
    connections?: number;
  },
): Promise<LoadResult> {
  let n = 0;
  const once = async (seconds: number) => {
    let ok = 0;
    let wrong = 0;
    let sample: string | null = null;
    const result = await autocannon({
      url: target.url,
      connections: opts.connections ?? CONNECTIONS,
      duration: seconds,
      timeout: 10,
      ...(opts.rate ? { overallRate: opts.rate } : {}),
      requests: [
        {
          method: target.method,
          path: target.path,
          headers: { "content-type": "application/json", ...target.headers },
          setupRequest: (req) => ({ ...req, ...target.request(n++) }),
          onResponse: (status, body) => {
            if (target.ok(status, body)) ok++;
            else {
              wrong++;
              sample ??= `${status} ${body.slice(0, 300)}`;
            }
          },
        },
      ],
    });
    return { result, ok, wrong, sample };
  };
  if (opts.warmupSec > 0) await once(opts.warmupSec);
  await opts.beforeMeasure?.();
  const { result, ok, wrong, sample } = await once(opts.seconds);
  return {
    okPerSec: ok / opts.seconds,
    requests: ok + wrong,
    ok,
    wrong,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    sample,
  };
}

/**
 * An open-loop load at a steady `rate`: request k is due at start + k/rate and its latency counts
 * from when it was due (so a stalled server is charged for the requests it held up, not excused by
 * them: no coordinated omission), over up to 100 keep-alive connections. autocannon's `overallRate`
 * hands out each second's quota at the start of the second, so its latency at a rate measures that
 * burst's queue; this measures the operation at that rate.
 */
export async function runPaced(target: LoadTarget, opts: { rate: number; seconds: number; warmupSec?: number }): Promise<LoadResult> {
  const agent = keepAliveAgent(CONNECTIONS);
  let n = 0;
  const once = async (seconds: number) => {
    const total = Math.round(opts.rate * seconds);
    const latencies: number[] = [];
    let ok = 0;
    let wrong = 0;
    let errors = 0;
    let sample: string | null = null;
    const inflight: Promise<void>[] = [];
    const start = monotonicMs();
    for (let k = 0; k < total; ) {
      const now = monotonicMs();
      for (; k < total && start + (k * 1000) / opts.rate <= now; k++) {
        const due = start + (k * 1000) / opts.rate;
        const { body, path } = target.request(n++);
        inflight.push(
          send(agent, `${target.url}${path ?? target.path}`, target.method, body, target.headers).then(
            (res) => {
              latencies.push(res.at - due);
              if (target.ok(res.status, res.body)) ok++;
              else {
                wrong++;
                sample ??= `${res.status} ${res.body.slice(0, 300)}`;
              }
            },
            () => void errors++,
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
    const durationSec = (monotonicMs() - start) / 1000;
    return { latencies, ok, wrong, errors, sample, durationSec };
  };
  if (opts.warmupSec) await once(opts.warmupSec);
  const r = await once(opts.seconds);
  agent.destroy();
  return {
    okPerSec: r.ok / opts.seconds,
    requests: r.ok + r.wrong,
    ok: r.ok,
    wrong: r.wrong,
    errors: r.errors,
    timeouts: 0,
    durationSec: r.durationSec,
    latencyP50Ms: round(percentile(r.latencies, 50)),
    latencyP99Ms: round(percentile(r.latencies, 99)),
    latencyMaxMs: round(percentile(r.latencies, 100)),
    sample: r.sample,
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
