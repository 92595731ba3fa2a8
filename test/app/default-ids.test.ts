import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureDefaultResourceGroup, ensureDefaultVSwitch } from '../../src/app/account-defaults.js';
import { DefaultIds } from '../../src/app/default-ids.js';
import { createStore } from '../../src/store/create-store.js';

test('DefaultIds keeps only committed defaults, and reads each once', async () => {
  const store = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
  try {
    await store.accounts.insert({ id: '1234567890', name: 'a', creationTime: '2024-01-01T00:00:00Z' });
    const scope = { accountId: '1234567890', regionId: 'cn-hangzhou' };
    const ids = new DefaultIds(store);
    assert.deepEqual(await ids.of(scope), {});

    // Made by a transaction that rolled back: never existed, so not kept.
    await assert.rejects(store.transaction(async (tx) => {
      await ensureDefaultResourceGroup(tx, scope.accountId);
      await ensureDefaultVSwitch(tx, scope);
      throw new Error('rolled back');
    }));
    assert.deepEqual(await ids.of(scope), {});

    const [rg, vsw] = await store.transaction(async (tx) => [await ensureDefaultResourceGroup(tx, scope.accountId), await ensureDefaultVSwitch(tx, scope)] as const);
    let reads = 0;
    const getDefault = store.resourceGroups.getDefault;
    store.resourceGroups.getDefault = async (id) => {
      reads++;
      return getDefault(id);
    };
    assert.deepEqual(await ids.of(scope), { resourceGroupId: rg.id, vSwitchId: vsw.id });
    assert.deepEqual(await ids.of(scope), { resourceGroupId: rg.id, vSwitchId: vsw.id });
    assert.equal(reads, 1, 'read once, then kept');
    // Another region of the account: its own vSwitch (none yet), the same resource group.
    assert.deepEqual(await ids.of({ ...scope, regionId: 'cn-beijing' }), { resourceGroupId: rg.id });
  } finally {
    await store.close();
  }
});
