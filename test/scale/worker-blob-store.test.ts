import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStore } from '../../src/store/create-store.js';
import { runCli } from '../support/child.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';

/* A `kiln worker` whose blob store is not the one `kiln serve` recorded refuses to start (its blobs would be where no other host reads them). */

let db: FreshDatabase;
let dir: string;
before(async () => {
  db = await freshDatabase('kiln_worker_blobs');
  dir = await mkdtemp(join(tmpdir(), 'kiln-worker-blobs-'));
});
after(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kiln worker and the server\'s blob store', () => {
  test('another blob store than the server\'s: exit 1 naming both, no account made, nothing written', async () => {
    const store = await createStore({ databaseUrl: db.url, dataDir: dir });
    try {
      await store.settings.put('blob-store', 's3://kiln-team-blobs/prod');
      const dataDir = join(dir, 'worker');
      const r = await runCli(['worker'], { KILN_DATABASE_URL: db.url, KILN_DATA_DIR: dataDir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`blob store is file://${dataDir}/blobs, kiln serve's is s3://kiln-team-blobs/prod: give the worker the same KILN_BLOB_STORE`));
      assert.deepEqual(await store.accounts.list(), []);
      assert.equal(existsSync(join(dataDir, 'default-credentials.json')), false);
    } finally {
      await store.close();
    }
  });
});
