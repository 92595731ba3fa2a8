import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

/** What a repository runs its queries on. */
export interface RepoContext {
  /** The database, or the open transaction when the repositories belong to one. */
  readonly db: Kysely<DB>;
  /**
   * Runs a multi-statement write atomically: directly on the open transaction, or — for the
   * root repositories — in a transaction of its own.
   */
  atomic<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
}
