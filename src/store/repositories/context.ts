import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** What a repository runs its queries on. */
export interface RepoContext {
  /** The database, or the open transaction when the repositories belong to one. */
  readonly db: Kysely<DB>;
  /** Which database it is, for the few expressions that SQLite and PostgreSQL spell differently. */
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs a multi-statement write atomically: directly on the open transaction, or — for the
   * root repositories — in a transaction of its own.
   */
  atomic<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /**
   * Runs a single-statement write whose commit need not be flushed before it returns (see
   * `SqlDialect.runUnsynced`): directly on the open transaction (which decides), or — for the
   * root repositories — in an unsynced transaction of its own.
   */
  unsynced<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
}
