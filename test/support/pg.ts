import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database created for one test on the PostgreSQL server at KILN_TEST_DATABASE_URL. */
export interface FreshDatabase {
  name: string;
  /** Connection URL of the new database. */
  url: string;
  /** Drops it (connections still open are terminated). */
  drop(): Promise<void>;
}

/**
 * The server URL the suite runs against (`node scripts/test.mjs` sets it). Throws — so the
 * test FAILS rather than skips — when it is missing.
 */
export function testDatabaseUrl(): string {
  const url = process.env.KILN_TEST_DATABASE_URL;
  if (!url) {
    throw new Error('KILN_TEST_DATABASE_URL is not set: run the suite with `node scripts/test.mjs` (it starts a throwaway PostgreSQL).');
  }
  return url;
}

async function admin<T>(baseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** `CREATE DATABASE <prefix>_<random>` on the test server; its URL and a way to drop it. */
export async function freshDatabase(prefix = 'kiln'): Promise<FreshDatabase> {
  const baseUrl = testDatabaseUrl();
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`bad database prefix ${prefix}`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
