import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from '../support/pg.js';
import type { Backend } from './helpers.js';

/** A fresh SQLite database file in a folder of its own. */
export async function freshSqlite(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-store-'));
  return { name: 'sqlite', url: `sqlite:${join(dir, 'kiln.db')}`, dataDir: dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A fresh database on the PostgreSQL at KILN_TEST_DATABASE_URL (set by `node scripts/test.mjs`),
 * dropped by `dispose`. Without that variable the test fails: it never skips.
 */
export async function freshPostgres(): Promise<Backend> {
  const db = await freshDatabase('kiln_store');
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-store-pg-'));
  return {
    name: 'postgres',
    url: db.url,
    dataDir,
    async dispose() {
      await rm(dataDir, { recursive: true, force: true });
      await db.drop();
    },
  };
}

/** Both backends, for suites that run on each. */
export const FRESH_DATABASES = [['sqlite', freshSqlite], ['postgres', freshPostgres]] as const;
