import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createApp, type App } from '../../src/app/app.js';
import { createRpcHandler } from '../../src/api/rpc-handler.js';
import { InMemoryNonceRegistry } from '../../src/api/rpc/nonce-registry.js';
import { createAccount } from '../../src/auth/accounts.js';
import { loadConfig } from '../../src/config/config.js';
import { KilnError } from '../../src/domain/errors.js';
import type { Store } from '../../src/domain/ports.js';
import { createStore, TransactionRetriesExhaustedError } from '../../src/store/create-store.js';
import { CAPTURE_TIME, TEST_AK, TEST_SECRET, signedV1Get, v1Common } from '../support/rpc-requests.js';

/*
 * What a server fault looks like on the wire: a store transaction that kept conflicting is
 * ServiceUnavailable (503), the listed documented server codes pass through, and everything
 * else is InternalError (500) with nothing of its text echoed. Every server fault is logged.
 */

let store: Store;
let app: App;
let nonce = 0;

before(async () => {
  store = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
  const config = loadConfig({ KILN_DATA_DIR: '/nonexistent' });
  await createAccount(store, config.regions.map((r) => r.regionId), { name: 'faults', key: { id: TEST_AK, secret: TEST_SECRET } });
  app = createApp(store, config);
});
after(async () => {
  await store.close();
});

/** Answers one signed CreateImagePipeline while every store transaction throws `fault`. */
async function createWhileStoreThrows(fault: unknown) {
  const logged: unknown[] = [];
  const handle = createRpcHandler({ app, nonces: new InMemoryNonceRegistry(), now: () => CAPTURE_TIME, logError: (err) => logged.push(err) });
  const original = store.transaction;
  store.transaction = async () => {
    throw fault;
  };
  try {
    const res = await handle(signedV1Get({
      ...v1Common('CreateImagePipeline', CAPTURE_TIME, `faults-${nonce++}`),
      RegionId: 'cn-hangzhou', BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd',
    }));
    return { status: res.status, body: JSON.parse(res.body) as { Code: string; Message: string }, logged };
  } finally {
    store.transaction = original;
  }
}

test('a store transaction that ran out of retries answers ServiceUnavailable (503) and is logged', async () => {
  const cause = new TransactionRetriesExhaustedError(30);
  const r = await createWhileStoreThrows(cause);
  assert.equal(r.status, 503);
  assert.equal(r.body.Code, 'ServiceUnavailable');
  assert.equal(r.body.Message, 'The request has failed due to a temporary failure of the server.');
  assert.deepEqual(r.logged, [cause]);
});

test('documented server-fault codes pass through with their status', async () => {
  const r = await createWhileStoreThrows(new KilnError('StartImagePipelineExecution.Failed', 'The execution could not be started.', 'server'));
  assert.equal(r.status, 500);
  assert.equal(r.body.Code, 'StartImagePipelineExecution.Failed');
  assert.equal(r.logged.length, 1);
});

test('any other server fault is InternalError (500) and its text is not echoed', async () => {
  for (const fault of [new Error('disk on fire at /var/lib/secret'), new KilnError('Store.Usage', 'disk on fire at /var/lib/secret', 'server')]) {
    const r = await createWhileStoreThrows(fault);
    assert.equal(r.status, 500);
    assert.equal(r.body.Code, 'InternalError');
    assert.doesNotMatch(JSON.stringify(r.body), /disk on fire/);
    assert.deepEqual(r.logged, [fault]);
  }
});
