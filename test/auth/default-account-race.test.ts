import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureDefaultAccount } from '../../src/auth/default-account.js';
import { loadConfig } from '../../src/config/config.js';
import type { Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { freshPostgres } from '../store/fresh-databases.js';
import type { Backend } from '../store/helpers.js';

/*
 * Several hosts started at once on an empty PostgreSQL database with the same configured
 * default key (docs/deploy.md's API hosts): every one of them comes up, on one account.
 * Two stores stand for two hosts; each call has a data dir of its own.
 */

let backend: Backend;
let stores: Store[] = [];
const dirs: string[] = [];

before(async () => {
  backend = await freshPostgres();
  stores = [await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir }), await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir })];
});
after(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await backend?.dispose();
});

test('hosts that create the same default key at once all start, on one account with that key', async () => {
  const key = { KILN_ACCESS_KEY_ID: 'LTAIraceRaceRace01', KILN_ACCESS_KEY_SECRET: 'race-secret-race-secret-race-01' };
  const runs = await Promise.allSettled(
    Array.from({ length: 8 }, async (_, i) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'kiln-default-race-'));
      dirs.push(dataDir);
      return ensureDefaultAccount(stores[i % 2]!, loadConfig({ KILN_DATA_DIR: dataDir, ...key }));
    }),
  );
  const failures = runs.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  assert.deepEqual(failures, []);
  const accounts = new Set(runs.map((r) => (r as PromiseFulfilledResult<{ accountId: string }>).value.accountId));
  assert.equal(accounts.size, 1);
  const stored = await stores[0]!.accessKeys.get(key.KILN_ACCESS_KEY_ID);
  assert.equal(stored?.accountId, [...accounts][0]);
  assert.equal((await stores[0]!.accounts.list()).length, 1);
});
