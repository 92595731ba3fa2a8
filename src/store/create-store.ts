import type { Store } from '../domain/ports.js';
import type { StoreHealth } from '../domain/store-health.js';
import { openDialect } from './dialect.js';
import { migrateToLatest } from './migrations/index.js';
import { SqlStore } from './sql-store.js';

export interface CreateStoreOptions {
  /**
   * Where the data lives:
   * - absent or empty: the SQLite file `<dataDir>/kiln.db` (the folder is created);
   * - `postgres://…` or `postgresql://…`: PostgreSQL (a pg pool of 10 connections);
   * - `sqlite:<path>` (also `sqlite:///abs/path`): that SQLite file;
   * - `:memory:`: a private in-memory SQLite database (tests).
   */
  databaseUrl?: string;
  dataDir: string;
}

/**
 * Opens the store and applies pending migrations before returning it (safe to call again on
 * the same database; concurrent starts are serialized by the migrator's lock).
 * The semantics of transactions and errors are documented on `SqlStore`.
 */
export async function createStore(opts: CreateStoreOptions): Promise<Store & StoreHealth & { readonly dialect: 'sqlite' | 'postgres' }> {
  const dialect = openDialect(opts);
  try {
    await migrateToLatest(dialect.db, dialect);
    await dialect.ready();
  } catch (e) {
    await dialect.close().catch(() => {});
    throw e;
  }
  return new SqlStore(dialect);
}

export { SqlStore } from './sql-store.js';
export * from './errors.js';
