import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createWsKeepAlive, type WsKeepAlive } from "../src/http/wsKeepAlive.js";

// The WebSocket keep-alive that replaces graphql-ws's per-socket timers (one timer, sockets dealt
// into slices): a client that answers pings stays, one that stops answering is cut, and a closed
// socket leaves the rotation. Real sockets over loopback, with a short interval.

const INTERVAL_MS = 150;

describe("WebSocket keep-alive", () => {
  let server: Server;
  let wss: WebSocketServer;
  let keepAlive: WsKeepAlive;
  let url: string;

  beforeAll(async () => {
    server = createServer();
    wss = new WebSocketServer({ server });
    keepAlive = createWsKeepAlive(INTERVAL_MS, 3);
    wss.on("connection", (socket) => keepAlive.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    keepAlive.stop();
    for (const client of wss.clients) client.terminate();
    await new Promise((r) => wss.close(r));
    await new Promise((r) => server.close(r));
  });

  const open = async (autoPong: boolean) => {
    const socket = new WebSocket(url, { autoPong });
    let pings = 0;
    socket.on("ping", () => pings++);
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    return { socket, closed, pings: () => pings };
  };

  it("pings a socket that answers, every interval, and keeps it open", async () => {
    const client = await open(true);
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 5));
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    expect(client.pings()).toBeGreaterThanOrEqual(3);
    client.socket.close();
    // Closed sockets leave the rotation: the server has no client left to ping.
    await client.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(wss.clients.size).toBe(0);
  });

  it("cuts a socket that stops answering, one interval after the ping it owes", async () => {
    const client = await open(false);
    // 1006: terminated by the server without a close frame.
    const code = await Promise.race([client.closed, new Promise<string>((r) => setTimeout(() => r("still open"), INTERVAL_MS * 6))]);
    expect(code).toBe(1006);
    expect(client.pings()).toBeGreaterThanOrEqual(1);
  });
});
