/**
 * Kysely's SQLite dialect on one better-sqlite3 connection, with two changes from Kysely's own
 * `SqliteDriver`:
 * - prepared statements are kept (an LRU by SQL text) instead of prepared for every query, which
 *   cost about a tenth of Kiln's CPU time; Kysely generates the same text for the same query
 *   shape, so the hot paths use a few dozen statements;
 * - a transaction begins with `BEGIN IMMEDIATE` (the write lock is taken up front, so two
 *   processes never both start writing and then fail to upgrade their lock);
 * - a statement outside a transaction (BEGIN IMMEDIATE itself, an autocommit write) that finds
 *   the database locked by another process past the busy timeout is run again, after an async
 *   pause, for up to a minute (`#retryWhileBusy`).
 * The connection is lent to one user at a time, in the order asked (a FIFO lock).
 */
import { channel } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Statement } from 'better-sqlite3';
import { TransactionRetriesExhaustedError } from './errors.js';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';

/** Statements kept; past that the least recently used one is dropped (and finalized by GC). */
const STATEMENTS_KEPT = 256;

/** better-sqlite3 statements by SQL text, least recently used dropped first. */
export class StatementCache {
  readonly #db: Database;
  readonly #capacity: number;
  readonly #byText = new Map<string, Statement>();

  constructor(db: Database, capacity = STATEMENTS_KEPT) {
    this.#db = db;
    this.#capacity = capacity;
  }

  /** The prepared statement for `sql`, prepared on first use. */
  get(sql: string): Statement {
    const kept = this.#byText.get(sql);
    if (kept !== undefined) {
      // Move to the most recently used end (a Map iterates in insertion order).
      this.#byText.delete(sql);
      this.#byText.set(sql, kept);
      return kept;
    }
    const stmt = this.#db.prepare(sql);
    this.#byText.set(sql, stmt);
    if (this.#byText.size > this.#capacity) this.#byText.delete(this.#byText.keys().next().value as string);
    return stmt;
  }

  get size(): number {
    return this.#byText.size;
  }
}

/**
 * Published (diagnostics_channel) each time a statement run outside a transaction found the
 * database locked by another process past the busy timeout and is about to be run again:
 * `{ sql, attempt, code }`.
 */
export const SQLITE_BUSY_RETRY_CHANNEL = 'kiln.store.sqlite.busy-retry';
const busyRetries = channel(SQLITE_BUSY_RETRY_CHANNEL);

/**
 * How long a statement outside a transaction keeps trying when another process holds the
 * database's write lock: busy-timeout waits (200 ms each, `dialect.ts`: the event loop is blocked while one lasts) with short async pauses
 * between them, then `TransactionRetriesExhaustedError` (ServiceUnavailable, 503).
 */
const BUSY_PATIENCE_MS = 60_000;

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT). */
function busyCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY') ? code : undefined;
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #db: Database;
  readonly #statements: StatementCache;

  constructor(db: Database, statements: StatementCache) {
    this.#db = db;
    this.#statements = statements;
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#statements.get(query.sql);
    const params = query.parameters as unknown[];
    // Read before the statement runs: SQLite may roll a transaction back on SQLITE_BUSY.
    const autocommit = !this.#db.inTransaction;
    try {
      return Promise.resolve(run<R>(stmt, params));
    } catch (e) {
      // Outside a transaction a failed statement wrote nothing (BEGIN IMMEDIATE, an autocommit
      // write, a pragma), so it is safe to run again. Inside one, the caller decides.
      if (!autocommit || busyCode(e) === undefined) return Promise.reject(e);
      return this.#retryWhileBusy<R>(stmt, params, query.sql, e);
    }
  }

  /**
   * SQLite's busy handler polls for the lock (every 100 ms once warmed up) and gives up after
   * the busy timeout; a process that commits batch after batch can hold the lock at nearly
   * every poll of another, for longer than that when the machine is loaded. Try again after
   * an async pause (this process's event loop runs meanwhile), until BUSY_PATIENCE_MS.
   */
  async #retryWhileBusy<R>(stmt: Statement, params: unknown[], sql: string, first: unknown): Promise<QueryResult<R>> {
    const start = Date.now();
    let last = first;
    let attempt = 1;
    for (; Date.now() - start < BUSY_PATIENCE_MS; attempt++) {
      if (busyRetries.hasSubscribers) busyRetries.publish({ sql, attempt, code: busyCode(last) });
      await sleep(Math.random() * Math.min(100, 5 * 2 ** attempt));
      try {
        return run<R>(stmt, params);
      } catch (e) {
        if (busyCode(e) === undefined || this.#db.inTransaction) throw e;
        last = e;
      }
    }
    throw new TransactionRetriesExhaustedError(attempt, { cause: last });
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite only streams select queries');
    // A statement of its own: a kept one could be needed by another query while this one iterates.
    for (const row of this.#db.prepare(query.sql).iterate(query.parameters as unknown[])) {
      yield { rows: [row as R] };
    }
  }
}

function run<R>(stmt: Statement, params: unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(params) as R[] };
  const { changes, lastInsertRowid } = stmt.run(params);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** A FIFO lock: `acquire` resolves when every earlier holder has called `release`. */
class FifoLock {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next(); // handed over: stays held
    else this.#held = false;
  }
}

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

export class KilnSqliteDriver implements Driver {
  readonly #db: Database;
  readonly #lock = new FifoLock();
  readonly #connection: CachingSqliteConnection;

  constructor(db: Database, statements = new StatementCache(db)) {
    this.#db = db;
    this.#connection = new CachingSqliteConnection(db, statements);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(COMMIT);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK);
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    this.#db.close();
  }
}

/** Kysely's SQLite dialect (compiler, adapter, introspector) on `KilnSqliteDriver`. */
export class KilnSqliteDialect extends SqliteDialect {
  readonly #db: Database;
  constructor(db: Database) {
    super({ database: db });
    this.#db = db;
  }
  override createDriver(): Driver {
    return new KilnSqliteDriver(this.#db);
  }
}
