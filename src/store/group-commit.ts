/**
 * Group commit for SQLite: write transactions that queue up on the single connection share
 * one `COMMIT`, so one fsync (synchronous=FULL) makes a whole batch durable instead of one
 * fsync per transaction.
 *
 * A batch is one `BEGIN IMMEDIATE … COMMIT` on the connection. Each queued `work` runs inside
 * its own `SAVEPOINT`, one after another:
 * - `work` throws: its savepoint is rolled back (only its own writes go) and its caller is
 *   rejected at once; the batch goes on.
 * - `work` returns: its savepoint is released, and its caller is resolved only once the
 *   batch's `COMMIT` has succeeded (an acknowledged write is on disk).
 * - The transaction fails as a whole (`COMMIT` fails, or SQLite ended it after an I/O error
 *   or a full disk): every caller whose `work` had returned is rejected with that error, and
 *   the units not yet run go back to the front of the queue.
 *
 * A batch takes whatever is queued when it starts, up to `maxBatch`. It starts on
 * `setImmediate`, i.e. after the requests already read from their sockets in this turn of the
 * event loop have queued their work: no timer, no artificial delay. Units run one at a time,
 * so a unit sees the writes of the units before it in its batch, exactly as if they had
 * committed one by one; a batch behaves like its units run back to back.
 *
 * Each `work` runs in the async context of the caller that queued it (AsyncLocalStorage
 * state, such as the store's "inside a transaction" guard, is the caller's, not the batch's).
 *
 * A unit queued with `{ sync: false }` needs no fsync of its own (signature nonces): a batch of
 * only such units commits under `synchronous=NORMAL` instead of the connection's FULL, and the
 * connection is set back to FULL as soon as that batch has ended, before anyone else gets it:
 * the single statements the root repositories run in autocommit on the same connection
 * (`executions.update`, `images.insert`, …) are acknowledged on SQLite's word and must be
 * fsynced. In WAL
 * mode that commit survives a crash of the process, not a power loss; but the next synced
 * commit fsyncs the WAL file, and with it every frame written before. So an unsynced write can
 * only be lost together with everything committed after it that was not fsynced either. A
 * batch with one synced unit is synced.
 */
import { AsyncResource } from 'node:async_hooks';
import { CompiledQuery, type Kysely } from 'kysely';

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');
const SAVEPOINT = CompiledQuery.raw('savepoint kiln_unit');
const RELEASE = CompiledQuery.raw('release kiln_unit');
const ROLLBACK_TO = CompiledQuery.raw('rollback to kiln_unit');
// Only settable outside a transaction. FULL is what the connection runs with (dialect.ts).
const SYNC_NORMAL = CompiledQuery.raw('pragma synchronous = NORMAL');
const SYNC_FULL = CompiledQuery.raw('pragma synchronous = FULL');

interface Unit<DB> {
  work(trx: Kysely<DB>): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  settled: boolean;
  /** Its commit must be fsynced before it resolves. */
  sync: boolean;
}

export interface GroupCommitOptions<DB> {
  db: Kysely<DB>;
  /** Whether the connection has an open transaction (better-sqlite3's `inTransaction`). */
  inTransaction(): boolean;
  /** Most units in one batch (default 64). */
  maxBatch?: number;
}

export class GroupCommit<DB> {
  readonly #db: Kysely<DB>;
  readonly #inTransaction: () => boolean;
  readonly #maxBatch: number;
  readonly #queue: Unit<DB>[] = [];
  /** A batch is scheduled or running. */
  #busy = false;
  /**
   * The connection may be at synchronous=NORMAL: set for a batch of unsynced units, cleared
   * once FULL is back (normally right after that batch; if restoring failed, before the next).
   */
  #relaxed = false;
  #idle: Array<() => void> = [];

  constructor(opts: GroupCommitOptions<DB>) {
    this.#db = opts.db;
    this.#inTransaction = opts.inTransaction;
    this.#maxBatch = opts.maxBatch ?? 64;
  }

  /**
   * Runs `work` in a batch and resolves with its value once the batch has committed (and,
   * unless `sync` is false, fsynced).
   */
  run<T>(work: (trx: Kysely<DB>) => Promise<T>, opts: { sync?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The caller's async context, to run `work` in (AsyncResource.bind does the same, slower).
      const context = new AsyncResource('kiln.transaction');
      const unit: Unit<DB> = {
        work: (trx) => context.runInAsyncScope(work, undefined, trx),
        resolve: (value) => {
          unit.settled = true;
          resolve(value as T);
        },
        reject: (error) => {
          unit.settled = true;
          reject(error);
        },
        settled: false,
        sync: opts.sync !== false,
      };
      this.#queue.push(unit);
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  async drained(): Promise<void> {
    if (!this.#busy) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#busy) return;
    if (this.#queue.length === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#busy = true;
    setImmediate(() => void this.#next());
  }

  async #next(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch);
    try {
      await this.#db.connection().execute(async (conn) => {
        // Set outside a transaction (SQLite refuses inside one). The connection is ours until
        // this callback returns, so nothing else runs at NORMAL.
        const relaxed = batch.every((u) => !u.sync);
        if (this.#relaxed && !relaxed) await this.#restoreFull(conn);
        if (relaxed) {
          this.#relaxed = true;
          await conn.executeQuery(SYNC_NORMAL);
        }
        try {
          await conn.executeQuery(BEGIN_IMMEDIATE);
          await this.#runBatch(conn, batch);
        } finally {
          // The batch has committed or rolled back (#runBatch and #abort end the transaction).
          if (relaxed && !this.#inTransaction()) await this.#restoreFull(conn).catch(() => undefined);
        }
      });
    } catch (err) {
      // BEGIN failed (e.g. another process kept the database locked past the busy timeout), or
      // the connection could not be had: nothing of the batch ran. (#runBatch itself settles or
      // requeues every unit.)
      for (const unit of batch) if (!unit.settled && !this.#queue.includes(unit)) unit.reject(err);
    } finally {
      this.#busy = false;
      this.#schedule();
    }
  }

  async #runBatch(conn: Kysely<DB>, batch: Unit<DB>[]): Promise<void> {
    const ran: Array<{ unit: Unit<DB>; value: unknown }> = [];
    for (let i = 0; i < batch.length; i++) {
      const unit = batch[i]!;
      const rest = () => batch.slice(i + 1);
      let value: unknown;
      try {
        await conn.executeQuery(SAVEPOINT);
        value = await unit.work(conn);
      } catch (err) {
        unit.reject(err);
        if (await this.#undoUnit(conn)) continue;
        return this.#abort(conn, ran, rest(), err);
      }
      try {
        await conn.executeQuery(RELEASE);
      } catch (err) {
        unit.reject(err);
        return this.#abort(conn, ran, rest(), err);
      }
      ran.push({ unit, value });
    }
    try {
      await conn.executeQuery(COMMIT);
    } catch (err) {
      return this.#abort(conn, ran, [], err);
    }
    for (const { unit, value } of ran) unit.resolve(value);
  }

  /** Puts the connection back at synchronous=FULL, what it runs with (dialect.ts). */
  async #restoreFull(conn: Kysely<DB>): Promise<void> {
    await conn.executeQuery(SYNC_FULL);
    this.#relaxed = false;
  }

  /** Rolls the current unit back to its savepoint; false when the transaction itself is gone. */
  async #undoUnit(conn: Kysely<DB>): Promise<boolean> {
    if (!this.#inTransaction()) return false;
    try {
      await conn.executeQuery(ROLLBACK_TO);
      await conn.executeQuery(RELEASE);
      return true;
    } catch {
      return false;
    }
  }

  /** The batch's transaction failed as a whole: nothing of it is written. */
  async #abort(conn: Kysely<DB>, ran: Array<{ unit: Unit<DB> }>, notRun: Unit<DB>[], err: unknown): Promise<void> {
    if (this.#inTransaction()) await conn.executeQuery(ROLLBACK).catch(() => undefined);
    for (const { unit } of ran) unit.reject(err);
    this.#queue.unshift(...notRun);
  }
}
