import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import pg from "pg";
import { lockDataDir } from "./dataLock.js";
import { PrismaClient } from "../generated/prisma/client.js";

/** A single session for work that must hold one connection: migrations under an advisory lock. */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements. */
  exec(script: string): Promise<void>;
  release(): Promise<void>;
}

/** Plain SQL with positional parameters ($1, $2, …); rows come back as the driver parses them. */
export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The driver itself, beside Prisma, for the hottest paths (authenticating a request, an answer, a
 * resolve): Prisma's engine costs ~0.1 ms of CPU per statement over the driver's own, which at
 * several statements per request is most of our overhead. Both share one pool (PostgreSQL) or one
 * PGlite instance and its transaction lock, so they never step on each other.
 */
export interface Sql extends Queryable {
  /** BEGIN … COMMIT on one connection; ROLLBACK when `fn` throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  sql: Sql;
  openSession(): Promise<SqlSession>;
  /** Calls `onNotify` on each NOTIFY of `channel` (any process's, PostgreSQL; this process's, PGlite). Returns the unlisten. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** The PostgreSQL pool's connections, idle ones, waiting checkouts now, and checkouts that had to wait so far (PGlite: none). */
  poolStats?(): { total: number; idle: number; waiting: number; waits: number };
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when unset, PGlite is used. */
  url?: string | undefined;
  /** PGlite's folder, or "memory://" for a throw-away database. */
  dataDir: string;
  /** Connections in the PostgreSQL pool (config's DATABASE_POOL_SIZE). */
  poolSize: number;
  /** Told of a PostgreSQL connection lost (the pool replaces it): the server's log; standard error by default. */
  onConnectionLost?: (line: string) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const lost = options.onConnectionLost ?? ((line: string) => console.error(line));
  return options.url ? openPostgres(options.url, options.poolSize, lost) : openPglite(options.dataDir);
}

/**
 * A statement's rows on a checked-out connection, through the driver's callback form. Its promise
 * form (`client.query(text)` without a callback) leaves ~1.5 KiB per statement reachable for V8's
 * young collector (measured: 1.9 KiB per checkout and statement, 0.3 with the callback), so a
 * four-statement transaction promoted its request's objects to the old space; pool.query already
 * calls back. On failure the error's stack is taken again here, so it leads back to the caller
 * rather than to the socket's read (as the promise form does).
 */
async function rowsOf<R>(client: pg.PoolClient, text: string, params?: unknown[]): Promise<R[]> {
  try {
    return await new Promise<R[]>((resolve, reject) =>
      client.query(text, params ?? [], (err: Error | undefined, result: pg.QueryResult) => (err ? reject(err) : resolve(result.rows as R[]))),
    );
  } catch (err) {
    if (err instanceof Error) Error.captureStackTrace(err);
    throw err;
  }
}

/** How long a request waits for a free connection, in the pool and for a transaction alike. */
const ACQUIRE_TIMEOUT_MS = 5000;

async function openPostgres(url: string, poolSize: number, lost: (line: string) => void): Promise<Database> {
  // JIT off for this server's sessions: its statements are short, and a planner's high guess (a
  // prefix search is guessed at thousands of rows) makes PostgreSQL compile one for ~0.3 s before
  // running it in milliseconds. A DATABASE_URL with an options= parameter of its own replaces this.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS, options: "-c jit=off" });
  // An idle client that loses its server must not crash the process: the pool replaces it.
  pool.on("error", (err) => lost(`[db] idle connection lost: ${err.message}`));
  // So must a client that loses it while checked out (the server terminated its backend): its query
  // fails as usual, and without a listener of its own the error event would end the process.
  pool.on("connect", (client) => client.on("error", (err) => lost(`[db] connection lost: ${err.message}`)));
  // Every checkout (Prisma's, the driver's, pool.query's) passes through connect: count those that
  // find every connection busy, for /metrics.
  let waits = 0;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    if (pool.idleCount === 0 && pool.totalCount >= poolSize) waits++;
    return connect(...args);
  };
  // Prisma's own wait for a transaction's connection defaults to 2 s, shorter than the pool's: a
  // burst of resolves would fail with "Unable to start a transaction" while plain queries still wait.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: ACQUIRE_TIMEOUT_MS } });
  const sql: Sql = {
    async query<T>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A connection that could not begin or roll back is dropped, not given back to the pool.
      let broken: Error | undefined;
      try {
        await rowsOf(client, "BEGIN").catch((err: Error) => {
          broken = err;
          throw err;
        });
        const tx: Queryable = { query: <R>(text: string, params?: unknown[]) => rowsOf<R>(client, text, params) };
        try {
          const result = await fn(tx);
          await rowsOf(client, "COMMIT");
          return result;
        } catch (err) {
          await rowsOf(client, "ROLLBACK").catch((rollbackErr: Error) => (broken = rollbackErr));
          throw err;
        }
      } finally {
        client.release(broken);
      }
    },
  };
  return {
    kind: "postgres",
    prisma,
    sql,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, waits }),
    async openSession() {
      const client = new pg.Client({ connectionString: url });
      client.on("error", (err) => lost(`[db] session connection lost: ${err.message}`));
      await client.connect();
      return {
        async query<T>(sql: string, params?: unknown[]) {
          return (await client.query(sql, params as unknown[])).rows as T[];
        },
        async exec(script: string) {
          await client.query(script);
        },
        release: () => client.end(),
      };
    },
    async listen(channel, onNotify) {
      // Its own connection, kept for the process's life; a lost one is replaced (the tick covers the gap).
      let client: pg.Client | null = null;
      let closed = false;
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString: url });
        c.on("error", () => {});
        c.on("end", () => {
          if (!closed) setTimeout(() => void connect().catch(() => {}), 1000).unref();
        });
        c.on("notification", (n) => {
          if (n.channel === channel) onNotify();
        });
        await c.connect();
        await c.query(`LISTEN ${channel}`);
        client = c;
      };
      await connect();
      return async () => {
        closed = true;
        await client?.end().catch(() => {});
      };
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  let location = dataDir;
  let unlock = () => {};
  if (dataDir !== "memory://") {
    // PGlite takes no lock of its own: two processes on one folder would each write over the other.
    mkdirSync(dataDir, { recursive: true });
    const release = lockDataDir(dataDir);
    // A process that exits without close() (the 10 s limit, an uncaught error) still lets go.
    process.once("exit", release);
    unlock = () => {
      release();
      process.off("exit", release);
    };
    location = join(dataDir, "pglite");
    mkdirSync(location, { recursive: true });
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(location);
  } catch (err) {
    unlock();
    throw err;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  // PGlite's own query and transaction take the instance's transaction lock, as Prisma's adapter does.
  const sql: Sql = {
    async query<T>(text: string, params?: unknown[]) {
      return (await pglite.query<T>(text, params)).rows;
    },
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      pglite.transaction((tx) => fn({ query: async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows })),
  };
  return {
    kind: "pglite",
    prisma,
    sql,
    async openSession() {
      return {
        async query<T>(sql: string, params?: unknown[]) {
          return (await pglite.query<T>(sql, params)).rows;
        },
        async exec(script: string) {
          await pglite.exec(script);
        },
        release: async () => {},
      };
    },
    async listen(channel, onNotify) {
      return pglite.listen(channel, () => onNotify());
    },
    async close() {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
