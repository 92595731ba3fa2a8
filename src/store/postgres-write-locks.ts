import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from './schema.js';
import { advisoryNumber, compareLocks, GLOBAL, lockId, type LockKey } from './write-locks.js';

/** The locks of one write transaction, taken before each repository call (`write-locks.ts` says which). */
export interface WriteLocks {
  /**
   * Takes those of `keys` this transaction does not hold yet, waiting for their holders to
   * commit or roll back. May instead throw to have the transaction run again from the start
   * (see `PostgresWriteLocks`): let that throw propagate.
   */
  acquire(keys: readonly LockKey[]): Promise<void>;
}

/** SQLite: the group commit's batch already holds the file's write lock. */
export const NO_LOCKS: WriteLocks = { acquire: async () => {} };

/** Thrown to roll a transaction back and run it again with more locks taken first. */
class LockRestart extends Error {
  constructor() {
    super('The transaction needs a lock out of order; it is run again with its locks taken first.');
  }
}

/** The locks an earlier attempt of the transaction needed: the next attempt takes them first. */
class Declared {
  readonly keys = new Map<string, LockKey>();
  global = false;

  add(keys: Iterable<LockKey>): void {
    for (const k of keys) {
      if (k.kind === 'global') this.global = true;
      else this.keys.set(lockId(k), k);
    }
  }

  goGlobal(): void {
    this.global = true;
  }
}

/**
 * One attempt's locks on PostgreSQL: transaction-level advisory locks (released by COMMIT or
 * ROLLBACK), numbered by `advisoryNumber`. Each key is an exclusive lock; the first one taken
 * comes with a shared lock on the `global` key, which a `global` transaction takes exclusively.
 *
 * Locks are taken in `compareLocks` order, so two transactions never wait for each other in a
 * cycle. A call that needs a lock ordered before one already held (or `global` after other
 * calls ran) does not wait for it: the attempt is rolled back (`restarting`) and the next one
 * takes every lock the earlier attempts needed first, in order. So a transaction that always
 * locks in order runs once; one that does not runs twice (a few times at most, then global).
 *
 * Why advisory locks and not the `scope_counters` rows themselves: a scope's lock must come
 * before its first read (the quota count, the name check), including in scopes with no counter
 * row yet, and it covers every kind of the scope at once (templates, their tags, components and
 * the references between them); an advisory lock costs no row version and no WAL.
 */
export class PostgresWriteLocks implements WriteLocks {
  static readonly Declared = Declared;

  readonly #declared: Declared;
  readonly #held = new Map<string, LockKey>();
  #trx: Kysely<DB> | undefined;
  #global = false;
  #highest: LockKey | undefined;
  #calls = 0;
  restarting = false;

  constructor(declared: Declared) {
    this.#declared = declared;
  }

  /** The attempt's first statement: the locks the earlier attempts needed, if any. */
  async begin(trx: Kysely<DB>): Promise<void> {
    this.#trx = trx;
    if (this.#declared.global) return this.#takeGlobal();
    const keys = [...this.#declared.keys.values()].sort(compareLocks);
    if (keys.length > 0) await this.#take(keys);
  }

  async acquire(keys: readonly LockKey[]): Promise<void> {
    const earlierCalls = this.#calls++;
    if (this.restarting) throw new LockRestart();
    if (this.#global || keys.length === 0) return;
    const missing = keys.filter((k) => !this.#held.has(lockId(k)));
    if (missing.length === 0) return;
    if (missing.some((k) => k.kind === 'global')) {
      // Reads made before it would not be covered: only a first call takes it in place.
      if (earlierCalls === 0 && this.#held.size === 0) return this.#takeGlobal();
      return this.#restart([GLOBAL]);
    }
    missing.sort(compareLocks);
    if (this.#highest !== undefined && compareLocks(missing[0]!, this.#highest) < 0) return this.#restart(missing);
    await this.#take(missing);
  }

  /** Throws (to roll back) when the attempt must run again, also if `work` swallowed the first throw. */
  throwIfRestarting(): void {
    if (this.restarting) throw new LockRestart();
  }

  async #take(keys: readonly LockKey[]): Promise<void> {
    const calls: RawBuilder<unknown>[] = [];
    if (this.#held.size === 0) calls.push(sql`pg_advisory_xact_lock_shared(${advisoryNumber(GLOBAL)}::bigint)`);
    for (const k of keys) calls.push(sql`pg_advisory_xact_lock(${advisoryNumber(k)}::bigint)`);
    // A target list is evaluated left to right: the locks are taken in this order.
    await sql`select ${sql.join(calls, sql`, `)}`.execute(this.#trx!);
    for (const k of keys) this.#held.set(lockId(k), k);
    this.#highest = keys[keys.length - 1];
  }

  async #takeGlobal(): Promise<void> {
    await sql`select pg_advisory_xact_lock(${advisoryNumber(GLOBAL)}::bigint)`.execute(this.#trx!);
    this.#global = true;
  }

  #restart(extra: readonly LockKey[]): never {
    this.#declared.add(this.#held.values());
    this.#declared.add(extra);
    this.restarting = true;
    throw new LockRestart();
  }
}
