import { Agent, request } from "node:http";
import { monotonicMs } from "./clock.js";

export interface Response {
  status: number;
  body: string;
  /** monotonicMs() when the whole response had arrived. */
  at: number;
}

/** Keep-alive connections to one server, like a few browsers' worth of inbox tabs. */
export function keepAliveAgent(maxSockets = 100): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

export function send(agent: Agent, url: string, method: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, method, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), at: monotonicMs() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A GraphQL operation over HTTP, as the web app sends it. */
export async function graphql(agent: Agent, baseUrl: string, query: string, variables: Record<string, unknown>, token?: string): Promise<Response> {
  return send(agent, `${baseUrl}/graphql`, "POST", JSON.stringify({ query, variables }), {
    "x-hydra-csrf": "1",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
}
