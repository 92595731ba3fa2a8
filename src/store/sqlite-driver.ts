/**
 * Kysely's SQLite dialect on one better-sqlite3 connection, with two changes from Kysely's own
 * `SqliteDriver`:
 * - prepared statements are kept (an LRU by SQL text) instead of prepared for every query, which
 *   cost about a tenth of Kiln's CPU time; Kysely generates the same text for the same query
 *   shape, so the hot paths use a few dozen statements;
 * - a transaction begins with `BEGIN IMMEDIATE` (the write lock is taken up front, so two
 *   processes never both start writing and then fail to upgrade their lock).
 * The connection is lent to one user at a time, in the order asked (a FIFO lock).
 */
import type { Database, Statement } from 'better-sqlite3';
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
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(params) as R[] });
    const { changes, lastInsertRowid } = stmt.run(params);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite only streams select queries');
    // A statement of its own: a kept one could be needed by another query while this one iterates.
    for (const row of this.#db.prepare(query.sql).iterate(query.parameters as unknown[])) {
      yield { rows: [row as R] };
    }
  }
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
