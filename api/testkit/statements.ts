import pg from "pg";

// The SQL an operation sends, counted at pg's Client.query: for a server running in this process
// over PostgreSQL (startTestServer, buildApp), so an N+1 or an extra round trip shows as a number.
const sent: string[] = [];
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    sent.push(typeof first === "string" ? first : (first?.text ?? ""));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
}

/** The statements every pg client of this process sent while `fn` ran, in order. */
export async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  install();
  sent.length = 0;
  await fn();
  return [...sent];
}
