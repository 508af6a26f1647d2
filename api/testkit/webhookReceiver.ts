import { createServer, type IncomingHttpHeaders } from "node:http";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the standardwebhooks package verified it with the receiver's secret. */
  verified: boolean;
  /** The status this receiver answered. */
  answered: number;
}

/**
 * A webhook receiver on loopback, verifying each request with the `standardwebhooks` package (its
 * secret given once known). It answers 500 to the first `failFirst` requests, then 204.
 */
export async function startWebhookReceiver(options: { failFirst?: number } = {}) {
  let secret: string | null = null;
  let failures = options.failFirst ?? 0;
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let verified = false;
      try {
        if (secret) new Webhook(secret).verify(body, req.headers as Record<string, string>);
        verified = secret !== null;
      } catch {
        verified = false;
      }
      const answered = failures > 0 ? 500 : 204;
      if (failures > 0) failures--;
      received.push({ id: String(req.headers["webhook-id"]), headers: req.headers, body, verified, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    setSecret(value: string) {
      secret = value;
    },
    /** The bodies of verified requests answered 2xx, parsed. */
    accepted: () => received.filter((r) => r.verified && r.answered < 300).map((r) => ({ id: r.id, ...(JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, any> }) })),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
