/**
 * Everything that differs between SQLite and PostgreSQL lives here: opening the database,
 * the `seq` column's DDL, how a transaction begins (and is retried), and reading driver
 * error codes. The rest of the store is dialect-neutral Kysely.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql, Kysely, PostgresDialect, type CreateTableBuilder } from 'kysely';
import type { DB } from './schema.js';
import { StoreError, TransactionRetriesExhaustedError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { KilnSqliteDialect } from './sqlite-driver.js';
import { PostgresWriteLocks, NO_LOCKS, type WriteLocks } from './postgres-write-locks.js';

export type DialectName = 'sqlite' | 'postgres';

export interface SqlDialect {
  readonly name: DialectName;
  readonly db: Kysely<DB>;
  /** Adds the `seq` column: the primary key, assigned by the database, only ever growing. */
  seqColumn<T extends string, C extends string>(table: CreateTableBuilder<T, C>): CreateTableBuilder<T, C | 'seq'>;
  /**
   * Runs `fn` in one transaction and commits it. SQLite: in a savepoint of a batch that shares
   * one `BEGIN IMMEDIATE … COMMIT` with other queued transactions (`group-commit.ts`); a throw
   * undoes only `fn`'s writes; `locks` does nothing (the batch holds the file's write lock).
   * PostgreSQL: READ COMMITTED, in parallel on the pool; `fn` calls `locks.acquire` before each
   * repository call, which queues it behind the transactions holding the same scope (see
   * `postgres-write-locks.ts`). Run again from the start on serialization failure, deadlock or
   * a lock taken out of order — `fn` may run more than once.
   */
  runTransaction<T>(fn: (trx: Kysely<DB>, locks: WriteLocks) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` — one statement, atomic on its own, that must not wait for an fsync (a signature
   * nonce claim on every request) — in a transaction whose commit is not flushed by itself. It
   * survives a crash of this process, and is lost on a crash of the machine (or, on PostgreSQL,
   * of the database server) only together with every later write that was not flushed either:
   * the next flushed commit of the database flushes it too (the log is written in order).
   * SQLite: a batch of the group commit at synchronous=NORMAL (`group-commit.ts`).
   * PostgreSQL: READ COMMITTED with `synchronous_commit = off`, without write locks.
   */
  runUnsynced<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Called once the schema is current (starts background upkeep, if any). */
  ready(): Promise<void>;
  /** Stops background upkeep and closes the connection(s). */
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
}

/** `undefined` → `<dataDir>/kiln.db`; `postgres://…`/`postgresql://…`; `sqlite:<path>`; `:memory:`. */
export function openDialect(opts: OpenOptions): SqlDialect {
  const url = opts.databaseUrl?.trim();
  if (url === undefined || url === '') return openSqlite(join(opts.dataDir, 'kiln.db'));
  if (url === ':memory:' || url === 'sqlite::memory:') return openSqlite(':memory:');
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url);
  if (/^sqlite:/i.test(url)) {
    // sqlite:relative.db, sqlite:/abs/path.db, sqlite:///abs/path.db
    const rest = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return openSqlite(rest);
  }
  throw new StoreError('Store.InvalidUrl', `Unsupported database URL scheme: ${url.replace(/\/\/[^@/]*@/, '//***@')} (use postgres://, postgresql://, sqlite:<path> or :memory:)`);
}

// ---------------------------------------------------------------- SQLite

function openSqlite(path: string): SqlDialect {
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  try {
    // First: switching a new file to WAL takes its lock, which another process may hold.
    // Short: better-sqlite3 waits synchronously, so the whole process (health probes included)
    // stalls for as long; longer waits are async retries in `sqlite-driver.ts`.
    sqlite.pragma('busy_timeout = 200');
    sqlite.pragma('journal_mode = WAL');
    // FULL: every commit fsyncs the WAL, so an acknowledged write survives a crash or power loss.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite.close();
    throw e;
  }
  const db = new Kysely<DB>({ dialect: new KilnSqliteDialect(sqlite) });
  // One connection, lent to one user at a time. Write transactions queue up and are committed
  // in batches, one fsync per batch (group-commit.ts); BEGIN IMMEDIATE also serializes them
  // against other processes on the same file.
  const writes = new GroupCommit<DB>({ db, inTransaction: () => sqlite.inTransaction });
  // Planner statistics: without them SQLite may drive a tag-filtered count from the wrong side
  // (measured 0.3 s instead of ~7 ms at 100k templates). `optimize` analyzes only tables that
  // need it, with a bounded sample, so it is cheap at open and every few minutes.
  const optimize = () => sql`pragma optimize`.execute(db).then(() => undefined, () => undefined);
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'sqlite',
    db,
    seqColumn: (t) => t.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement()),
    runTransaction: (fn) => writes.run((trx) => fn(trx, NO_LOCKS)),
    runUnsynced: (fn) => writes.run(fn, { sync: false }),
    async ready() {
      await sql`pragma analysis_limit = 1000`.execute(db);
      await sql`pragma optimize = 0x10002`.execute(db);
      timer = setInterval(optimize, OPTIMIZE_EVERY_MS);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await writes.drained();
      await optimize();
      await db.destroy();
    },
  };
}

const OPTIMIZE_EVERY_MS = 5 * 60_000;

// ---------------------------------------------------------------- PostgreSQL

const PG_INT8_OID = 20;
const MAX_ATTEMPTS = 30;

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is beyond Number.MAX_SAFE_INTEGER`);
  return n;
}

function openPostgres(url: string): SqlDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // seq and count(*) are int8: read them as numbers (checked to be safe integers), only on this pool.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server emits 'error' on the pool; without a listener that would
  // crash the process. The next query reports the problem to its caller instead.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    name: 'postgres',
    db,
    seqColumn: (t) => t.addColumn('seq', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()),
    // Autovacuum keeps PostgreSQL's statistics current.
    ready: async () => {},
    close: () => db.destroy(),
    // No write locks: fn is one statement, atomic by itself.
    runUnsynced: (fn) => db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return fn(trx);
    }),
    runTransaction: (fn) => runPostgresTransaction(db, fn),
  };
}

/**
 * One PostgreSQL write transaction: READ COMMITTED (the default), its locks taken as its
 * repository calls come (`PostgresWriteLocks`). Transactions of one process run in parallel on
 * the pool's connections; one waiting for a lock holds its connection meanwhile.
 *
 * Run again from the start when:
 * - a lock was needed out of order (or `global` after other calls): rolled back at once and run
 *   again with every lock it needed taken first, in order; after 3 such restarts, with the
 *   `global` lock (which never restarts);
 * - 40001/40P01 (a deadlock on rows outside the lock order, or a serialization failure from a
 *   statement of its own): full-jitter backoff, up to 30 attempts, then
 *   `TransactionRetriesExhaustedError`.
 */
async function runPostgresTransaction<T>(db: Kysely<DB>, fn: (trx: Kysely<DB>, locks: WriteLocks) => Promise<T>): Promise<T> {
  const declared = new PostgresWriteLocks.Declared();
  let restarts = 0;
  for (let attempt = 1; ; attempt++) {
    const locks = new PostgresWriteLocks(declared);
    try {
      return await db.transaction().execute(async (trx) => {
        await locks.begin(trx);
        const result = await fn(trx, locks);
        locks.throwIfRestarting();
        return result;
      });
    } catch (e) {
      if (locks.restarting) {
        if (++restarts >= MAX_RESTARTS) declared.goGlobal();
        attempt--;
        continue;
      }
      if (!isRetryableConflict(e)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw new TransactionRetriesExhaustedError(attempt, { cause: e });
      // Full jitter, growing to at most ~100 ms, so retrying transactions spread out.
      await sleep(Math.random() * Math.min(100, 2 ** attempt));
    }
  }
}

const MAX_RESTARTS = 3;

// ---------------------------------------------------------------- driver errors

export type DbErrorKind = 'unique' | 'foreign-key' | 'retryable';

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Classifies a better-sqlite3 or pg error; `undefined` for anything else. */
export function classifyDbError(e: unknown): DbErrorKind | undefined {
  const code = codeOf(e);
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case '23505':
      return 'unique';
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
    case '23503':
      return 'foreign-key';
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return 'retryable';
    default:
      return undefined;
  }
}

/** True for a serialization failure or deadlock, also when wrapped as the `cause` of another error. */
export function isRetryableConflict(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && depth < 8; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (classifyDbError(cur) === 'retryable') return true;
  }
  return false;
}
