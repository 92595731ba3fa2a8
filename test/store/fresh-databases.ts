import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
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
  const baseUrl = process.env.KILN_TEST_DATABASE_URL;
  assert.ok(baseUrl, 'KILN_TEST_DATABASE_URL is not set: run this file through `node scripts/test.mjs`.');
  const name = `kiln_records_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-store-pg-'));
  return {
    name: 'postgres',
    url: url.toString(),
    dataDir,
    async dispose() {
      await rm(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Both backends, for suites that run on each. */
export const FRESH_DATABASES = [['sqlite', freshSqlite], ['postgres', freshPostgres]] as const;
