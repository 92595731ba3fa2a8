import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createApp, type App } from '../../src/app/app.js';
import { deleteComponent } from '../../src/app/components.js';
import { asKilnFault } from '../../src/app/faults.js';
import { createRpcHandler } from '../../src/api/rpc-handler.js';
import { InMemoryNonceRegistry } from '../../src/api/rpc/nonce-registry.js';
import { createAccessKey, createAccount } from '../../src/auth/accounts.js';
import { loadConfig } from '../../src/config/config.js';
import { SYSTEM_COMPONENTS } from '../../src/domain/catalog/system-components.js';
import { isKilnError } from '../../src/domain/errors.js';
import { isStoreError } from '../../src/domain/errors/store-error.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import { validateTags } from '../../src/domain/tag.js';
import { createStore, TransactionRetriesExhaustedError } from '../../src/store/create-store.js';
import { CAPTURE_TIME, TEST_AK, TEST_SECRET, signedV1Get, v1Common } from '../support/rpc-requests.js';

/*
 * The codes of the app, the domain, account administration and the store that no suite on the
 * wire reaches, each produced where it is made, on a real SQLite store. (The registry test
 * requires every registered code to be produced by some test.)
 */

let store: Store;
let app: App;
let scope: Scope;
let nonce = 0;

before(async () => {
  store = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
  const config = loadConfig({ KILN_DATA_DIR: '/nonexistent' });
  const { account } = await createAccount(store, config.regions.map((r) => r.regionId), { name: 'codes', key: { id: TEST_AK, secret: TEST_SECRET } });
  app = createApp(store, config);
  scope = { accountId: account.id, regionId: config.regions[0]!.regionId };
});
after(async () => {
  await store.close();
});

/** Asserts that `work` fails with a KilnError of `code`. */
async function rejectsWith(work: () => Promise<unknown> | unknown, code: string): Promise<void> {
  await assert.rejects(async () => work(), (e: unknown) => isKilnError(e) && e.code === code);
}

/** Asserts that `work` fails with a StoreError of `code`. */
async function storeRejectsWith(work: () => Promise<unknown>, code: Parameters<typeof isStoreError>[1]): Promise<void> {
  await assert.rejects(work, (e: unknown) => isStoreError(e, code));
}

test('NoPermission: a system component cannot be deleted', async () => {
  await rejectsWith(() => deleteComponent(app, scope, SYSTEM_COMPONENTS[0]!.id), 'NoPermission');
});

test('InvalidTagCount: more than 20 tags', async () => {
  const tags = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  await rejectsWith(() => validateTags(tags), 'InvalidTagCount');
});

test('InvalidResourceId.ExceededMaxNumber and InvalidTagKey.ExceededMaxNumber: too many ids, too many keys (on the wire)', async () => {
  const handle = createRpcHandler({ app, nonces: new InMemoryNonceRegistry(), now: () => CAPTURE_TIME, logError: () => {} });
  const call = async (action: string, params: Record<string, string>) => {
    const res = await handle(signedV1Get({ ...v1Common(action, CAPTURE_TIME, `codes-${++nonce}`), RegionId: scope.regionId, ResourceType: 'imagepipeline', ...params }));
    return { status: res.status, code: (JSON.parse(res.body) as { Code: string }).Code };
  };
  const ids = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`ResourceId.${i + 1}`, `ip-${i}`]));
  assert.deepEqual(await call('TagResources', { ...ids, 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' }), { status: 400, code: 'InvalidResourceId.ExceededMaxNumber' });
  const keys = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`TagKey.${i + 1}`, `k${i}`]));
  assert.deepEqual(await call('UntagResources', { 'ResourceId.1': 'ip-1', ...keys }), { status: 400, code: 'InvalidTagKey.ExceededMaxNumber' });
});

test('InvalidAccountId.NotFound and InvalidAccessKeyId.Duplicate: kiln accounts', async () => {
  await rejectsWith(() => createAccessKey(store, '999999999999'), 'InvalidAccountId.NotFound');
  const key = await createAccessKey(store, scope.accountId);
  await rejectsWith(() => createAccessKey(store, scope.accountId, { id: key.id, secret: 'another' }), 'InvalidAccessKeyId.Duplicate');
});

test('Store.NotFound, Store.InvalidPage, Store.InvalidValue: the store refuses writes and reads it cannot do', async () => {
  await storeRejectsWith(() => store.tags.put(scope, 'imagepipeline', 'ip-missing', [{ key: 'a', value: 'b' }]), 'Store.NotFound');
  await storeRejectsWith(() => store.pipelines.list(scope, { limit: 0 }), 'Store.InvalidPage');
  await storeRejectsWith(() => store.components.insert({
    id: 'ic-bad-version', ...scope, name: 'bad', systemType: 'Linux', componentType: 'Build', componentVersion: 'one',
    content: 'RUN true', owner: 'SELF', parameters: [], tags: [], creationTime: '2024-01-01T00:00:00Z',
  }), 'Store.InvalidValue');
});

test('Store.InvalidUrl and Store.MigrationFailed: a database Kiln cannot open', async () => {
  await storeRejectsWith(() => createStore({ databaseUrl: 'mysql://db/kiln', dataDir: '/nonexistent' }), 'Store.InvalidUrl');
  const dir = mkdtempSync(join(tmpdir(), 'kiln-codes-'));
  try {
    // A database whose tables were made by something else: the first migration cannot create its own.
    const file = join(dir, 'foreign.db');
    const foreign = new Database(file);
    foreign.exec('CREATE TABLE accounts (something_else TEXT)');
    foreign.close();
    await storeRejectsWith(() => createStore({ databaseUrl: `sqlite:${file}`, dataDir: dir }), 'Store.MigrationFailed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Store.TransactionRetriesExhausted is answered as ServiceUnavailable', () => {
  const exhausted = new TransactionRetriesExhaustedError(5);
  assert.ok(isStoreError(exhausted, 'Store.TransactionRetriesExhausted'));
  const answered = asKilnFault(exhausted);
  assert.ok(isKilnError(answered) && answered.code === 'ServiceUnavailable' && answered.fault === 'server');
});
