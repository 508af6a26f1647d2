import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { deadline } from "../deadline.js";
import { badInput } from "../errors.js";

/**
 * Where outgoing webhooks may go. In production: https only, and never to an address that is not
 * public unicast (private, loopback, link-local, unique-local, CGNAT, multicast, reserved…), checked
 * when an endpoint is registered AND on every connection, against the very address connected to
 * (so a name that resolves elsewhere later — DNS rebinding — is refused too). Outside production,
 * http is allowed to loopback (local receivers, tests) and any address may be reached.
 */

/** True for an address a production server may POST to: public unicast only (ipaddr.js's ranges). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === "unicast";
}

const isLoopbackHost = (host: string) => {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === "loopback";
};

/** Checks an endpoint's URL as given (BAD_USER_INPUT when refused) and returns it normalised. */
export async function checkEndpointUrl(raw: string, production: boolean): Promise<string> {
  const text = raw.trim();
  if (text.length > 2000) throw badInput("url must be at most 2000 characters");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput("url must be an absolute https:// URL");
  }
  if (url.username || url.password) throw badInput("url must not carry a user name or password");
  if (url.protocol === "http:") {
    if (production || !isLoopbackHost(url.hostname)) throw badInput("url must use https (http only to localhost, outside production)");
  } else if (url.protocol !== "https:") {
    throw badInput("url must be an absolute https:// URL");
  }
  if (production) {
    const addresses = await resolveAll(url.hostname.replace(/^\[|\]$/g, "")).catch(() => {
      throw badInput(`url's host ${url.hostname} does not resolve`);
    });
    const refused = addresses.find((a) => !isPublicAddress(a));
    if (refused !== undefined || addresses.length === 0) {
      throw badInput(`url must point at a public address (${url.hostname} resolves to ${refused ?? "nothing"})`);
    }
  }
  url.hash = "";
  return url.toString();
}

function resolveAll(host: string): Promise<string[]> {
  if (isIP(host)) return Promise.resolve([host]);
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );
}

/** A DNS lookup for the connection that refuses (fails the connect) every address that is not public. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
    if (err) return callback(err, "", 4);
    const refused = found.find((a) => !isPublicAddress(a.address));
    if (refused || found.length === 0) {
      const error = Object.assign(new Error(`refused: ${hostname} resolves to ${refused?.address ?? "nothing"}, not a public address`), {
        code: "EADDRNOTPUBLIC",
      });
      return callback(error, "", 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, found);
    return callback(null, found[0]!.address, found[0]!.family);
  });
};

export type PostOutcome = { status: number } | { status: null; error: string };

/**
 * POSTs `body` to `url` with `headers`, within `timeoutMs` (or until `signal` aborts); follows no
 * redirect; reads at most 64 KiB of the answer and drops it. Never throws.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; production: boolean; signal?: AbortSignal },
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ status: null, error: "not a valid URL" });
    }
    const host = target.hostname.replace(/^\[|\]$/g, "");
    if (options.production) {
      if (target.protocol !== "https:") return resolve({ status: null, error: "refused: only https in production" });
      if (isIP(host) && !isPublicAddress(host)) return resolve({ status: null, error: `refused: ${host} is not a public address` });
    } else if (target.protocol === "http:" && !isLoopbackHost(target.hostname)) {
      return resolve({ status: null, error: "refused: http only to localhost" });
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const limit = deadline(options.timeoutMs, options.signal);
    const { signal } = limit;
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (!settled) {
        settled = true;
        limit.clear();
        resolve(outcome);
      }
    };
    const req = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "Hydra-Webhooks/1" },
        signal,
        ...(options.production ? { lookup: publicOnlyLookup } : {}),
      },
      (res: IncomingMessage) => {
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) res.destroy();
        });
        res.on("close", () => done({ status: res.statusCode ?? 0 }));
        res.on("error", () => done({ status: res.statusCode ?? 0 }));
      },
    );
    req.on("error", (err: Error) => {
      const timedOut = limit.timedOut() && !options.signal?.aborted;
      done({ status: null, error: timedOut ? `no answer within ${options.timeoutMs / 1000} s` : err.message });
    });
    req.end(body);
  });
}
