import autocannon from "autocannon";

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

export const CONNECTIONS = 100;

/** A load run: `warmupSec` discarded, then `seconds` measured, 100 keep-alive connections. */
export async function runLoad(
  target: LoadTarget,
  opts: { warmupSec: number; seconds: number; beforeMeasure?: () => Promise<void>; /** requests/s offered; unset: as fast as it goes */ rate?: number },
): Promise<LoadResult> {
  let n = 0;
  const once = async (seconds: number) => {
    let ok = 0;
    let wrong = 0;
    let sample: string | null = null;
    const result = await autocannon({
      url: target.url,
      connections: CONNECTIONS,
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
