import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { freshPostgres } from './fresh-databases.js';
import { storeSuite } from './suite.js';

/**
 * The store suite on PostgreSQL at KILN_TEST_DATABASE_URL (set by `node scripts/test.mjs`).
 * Without it the run FAILS rather than skipping, unless KILN_TEST_START_POSTGRES=1 asks this
 * file to start a throwaway cluster itself (scripts/pg-cluster.mjs) for a standalone run.
 */
const envUrl = process.env.KILN_TEST_DATABASE_URL;
const startOwn = process.env.KILN_TEST_START_POSTGRES === '1';

type Cluster = { url: string; stop(): Promise<void> };

if (!envUrl && !startOwn) {
  test('store on postgres', () => {
    assert.fail('KILN_TEST_DATABASE_URL is not set: run `node scripts/test.mjs store`, or set KILN_TEST_START_POSTGRES=1 to start a throwaway cluster for this file.');
  });
} else {
  let cluster: Cluster | undefined;
  after(async () => {
    await cluster?.stop();
  });

  storeSuite('postgres', async () => {
    let baseUrl = envUrl;
    if (!baseUrl) {
      const script = new URL('../../scripts/pg-cluster.mjs', import.meta.url).href;
      const { startPostgres } = (await import(script)) as { startPostgres(): Promise<Cluster> };
      cluster = await startPostgres();
      baseUrl = cluster.url;
    }
    // A fresh database for this run, dropped afterwards.
    process.env.KILN_TEST_DATABASE_URL = baseUrl;
    return freshPostgres();
  });
}
