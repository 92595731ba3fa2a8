import { AsyncLocalStorage } from 'node:async_hooks';
import type { Repositories, Store } from '../domain/ports.js';
import type { StoreHealth } from '../domain/store-health.js';
import type { SqlDialect } from './dialect.js';
import { isRetryableConflict } from './dialect.js';
import { StoreError, StoreUsageError } from './errors.js';
import { storeUnreadyReason } from './health.js';
import { createRepositories } from './repositories/index.js';
import { lazyRepositories, wrapRepositories } from './wrapped-repositories.js';
import { locksOf, type LockKey } from './write-locks.js';

/**
 * The `Store` port on SQLite or PostgreSQL (see `create-store.ts` to open one).
 *
 * Root repositories (`store.pipelines.…`) run each call on its own: single statements in
 * autocommit, multi-statement writes (a template with its tags and component references, a
 * delete with its tags) in a transaction of their own.
 *
 * `transaction(work)`:
 * - `work` gets its own repositories (`tx`); use only those inside it. Calling the root store
 *   or starting another transaction from inside `work` throws `StoreUsageError` (on SQLite it
 *   would otherwise wait forever for the one connection that `work` holds).
 * - SQLite: concurrent `transaction` calls in one process queue up and run one at a time, in
 *   batches that share one `BEGIN IMMEDIATE … COMMIT` on the single connection, each `work` in
 *   its own savepoint (group commit, `group-commit.ts`): a throw undoes only that `work`'s
 *   writes, and `transaction` resolves only once the batch's COMMIT is on disk (WAL,
 *   synchronous=FULL: one fsync per batch). Other processes wait on the file's write lock
 *   (busy timeout 10 s, then async retries for up to a minute: `sqlite-driver.ts`). A `work` that awaits something slow holds up every writer after it.
 * - PostgreSQL: READ COMMITTED, in parallel on the pool. Before each call of a `tx`
 *   repository, the transaction takes the write lock the call names (`write-locks.ts`: its
 *   scope's for nearly every call), so transactions in one scope queue and see each other's
 *   commits, and transactions in different scopes never wait for each other. A lock needed out
 *   of order restarts `work` at once with its locks taken first; a serialization failure
 *   (40001) or deadlock (40P01) rolls the attempt back and runs `work` again from the start,
 *   with a short random backoff, up to 30 attempts (then `TransactionRetriesExhaustedError`).
 *   **`work` may therefore run more than once**: it must not have side effects outside the
 *   store (no HTTP calls, no queue pushes, no counters) or must tolerate repeating them; do
 *   those after `transaction` resolves, using its return value.
 * - A database error inside `work` (a constraint violation surfaced as a store error, a
 *   driver error) dooms the transaction on both databases, as PostgreSQL requires: if `work`
 *   catches it and returns normally anyway, `transaction` rolls back and throws
 *   `StoreUsageError` instead of reporting a commit that did not happen. Let such errors
 *   propagate; a store error without a database cause (e.g. `StoreNotFoundError` from
 *   `tags.put`, an invalid page) does not doom it.
 *
 * Expected failures are typed (`errors.ts`): `StoreConflictError` (unique key),
 * `IdempotencyConflictError` (`idempotency.put` of an existing key), `StoreNotFoundError`,
 * `TransactionRetriesExhaustedError`, `StoreUsageError`. They never carry SQL.
 */
export class SqlStore implements Store, StoreHealth {
  readonly accounts: Repositories['accounts'];
  readonly accessKeys: Repositories['accessKeys'];
  readonly resourceGroups: Repositories['resourceGroups'];
  readonly vSwitches: Repositories['vSwitches'];
  readonly pipelines: Repositories['pipelines'];
  readonly components: Repositories['components'];
  readonly tags: Repositories['tags'];
  readonly idempotency: Repositories['idempotency'];
  readonly executions: Repositories['executions'];
  readonly executionLogs: Repositories['executionLogs'];
  readonly images: Repositories['images'];
  readonly stepCache: Repositories['stepCache'];
  readonly blobPins: Repositories['blobPins'];
  readonly signatureNonces: Repositories['signatureNonces'];
  readonly tasks: Repositories['tasks'];
  readonly baseImages: Repositories['baseImages'];
  readonly settings: Repositories['settings'];
  readonly consoleSessions: Repositories['consoleSessions'];

  readonly #dialect: SqlDialect;
  readonly #inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  /** PostgreSQL: the write locks of the root call running (for its `atomic` transaction). */
  readonly #rootCallLocks = new AsyncLocalStorage<readonly LockKey[]>();

  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
    const locking = dialect.name === 'postgres';
    const root = wrapRepositories(
      createRepositories({
        db: dialect.db,
        dialect: dialect.name,
        atomic: (fn) => dialect.runTransaction(async (trx, locks) => {
          await locks.acquire(this.#rootCallLocks.getStore() ?? []);
          return fn(trx);
        }),
        unsynced: (fn) => dialect.runUnsynced(fn),
      }),
      async (call, repository, method, args) => {
        if (this.#inTransaction.getStore()?.active) {
          throw new StoreUsageError('The root store was called inside store.transaction(); use the repositories passed to the callback.');
        }
        if (!locking) return call();
        const keys = locksOf(repository, method, args);
        return keys.length === 0 ? call() : this.#rootCallLocks.run(keys, call);
      },
    );
    this.accounts = root.accounts;
    this.accessKeys = root.accessKeys;
    this.resourceGroups = root.resourceGroups;
    this.vSwitches = root.vSwitches;
    this.pipelines = root.pipelines;
    this.components = root.components;
    this.tags = root.tags;
    this.idempotency = root.idempotency;
    this.executions = root.executions;
    this.executionLogs = root.executionLogs;
    this.images = root.images;
    this.stepCache = root.stepCache;
    this.blobPins = root.blobPins;
    this.signatureNonces = root.signatureNonces;
    this.tasks = root.tasks;
    this.baseImages = root.baseImages;
    this.settings = root.settings;
    this.consoleSessions = root.consoleSessions;
  }

  /** Which database this store runs on. */
  get dialect(): 'sqlite' | 'postgres' {
    return this.#dialect.name;
  }

  #unreadyReason: (() => Promise<string | undefined>) | undefined;

  /** See `StoreHealth`. */
  unreadyReason(): Promise<string | undefined> {
    this.#unreadyReason ??= storeUnreadyReason(this.#dialect.db, this.#dialect);
    return this.#unreadyReason();
  }

  async transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    if (this.#inTransaction.getStore()?.active) {
      throw new StoreUsageError('Nested store.transaction() calls are not supported.');
    }
    const state = { active: true };
    const locking = this.#dialect.name === 'postgres';
    return this.#inTransaction.run(state, async () => {
      try {
        return await this.#dialect.runTransaction(async (trx, locks) => {
          let ended = false;
          let dbError: unknown;
          const tx = lazyRepositories({ db: trx, dialect: this.#dialect.name, atomic: (fn) => fn(trx), unsynced: (fn) => fn(trx) }, async (call, repository, method, args) => {
            if (ended) throw new StoreUsageError('Transaction repositories were used after their transaction ended.');
            try {
              if (locking) await locks.acquire(locksOf(repository, method, args));
              return await call();
            } catch (e) {
              if (dbError === undefined && isDatabaseFailure(e)) dbError = e;
              throw e;
            }
          });
          try {
            const result = await work(tx);
            if (dbError !== undefined) {
              // Let a swallowed serialization failure still be retried.
              if (isRetryableConflict(dbError)) throw dbError;
              throw Object.assign(
                new StoreUsageError('A database error inside store.transaction() was caught and not rethrown; the transaction was rolled back.'),
                { cause: dbError },
              );
            }
            return result;
          } finally {
            ended = true;
          }
        });
      } finally {
        state.active = false;
      }
    });
  }

  async close(): Promise<void> {
    await this.#dialect.close();
  }
}

/** A store error without a database cause is the store's own check; anything else came from the database. */
function isDatabaseFailure(e: unknown): boolean {
  return !(e instanceof StoreError) || e.cause !== undefined;
}
