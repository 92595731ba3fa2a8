import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdempotencyConflictError, StoreConflictError, StoreNotFoundError } from '../../src/store/errors.js';
import { assertNoSql, newScope, uid, type SuiteContext } from './helpers.js';

export function tenancyTests(ctx: SuiteContext): void {
  describe('accounts, access keys, resource groups, vSwitches', () => {
    it('accounts: insert, get, list in insertion order, duplicate id', async () => {
      const a = { id: newScope().accountId, name: 'alice', creationTime: '2024-01-01T00:00:00Z' };
      const b = { id: newScope().accountId, name: 'bob', creationTime: '2024-01-02T00:00:00Z' };
      await ctx.store.accounts.insert(a);
      await ctx.store.accounts.insert(b);
      assert.deepEqual(await ctx.store.accounts.get(a.id), a);
      assert.equal(await ctx.store.accounts.get('no-such-account'), undefined);
      const ids = (await ctx.store.accounts.list()).map((x) => x.id);
      assert.ok(ids.indexOf(a.id) >= 0 && ids.indexOf(a.id) < ids.indexOf(b.id));
      await assert.rejects(ctx.store.accounts.insert(a), (e) => {
        assert.ok(e instanceof StoreConflictError);
        assertNoSql(e);
        return true;
      });
    });

    it('access keys: insert, get, listByAccount, unknown account, duplicate id, setStatus', async () => {
      const account = { id: newScope().accountId, name: 'keys', creationTime: '2024-01-01T00:00:00Z' };
      await ctx.store.accounts.insert(account);
      const k1 = { id: uid('LTAI'), secret: 's3cr3t/+=', accountId: account.id, status: 'Active' as const, creationTime: '2024-01-01T00:00:00Z' };
      const k2 = { ...k1, id: uid('LTAI'), status: 'Inactive' as const };
      await ctx.store.accessKeys.insert(k1);
      await ctx.store.accessKeys.insert(k2);
      assert.deepEqual(await ctx.store.accessKeys.get(k1.id), k1);
      assert.deepEqual(await ctx.store.accessKeys.listByAccount(account.id), [k1, k2]);
      assert.deepEqual(await ctx.store.accessKeys.listByAccount('nobody'), []);
      assert.equal(await ctx.store.accessKeys.get('LTAI-missing'), undefined);
      await assert.rejects(ctx.store.accessKeys.insert({ ...k1, id: uid('LTAI'), accountId: 'no-such-account' }), (e) => {
        assert.ok(e instanceof StoreNotFoundError);
        assertNoSql(e);
        return true;
      });
      await assert.rejects(ctx.store.accessKeys.insert(k1), StoreConflictError);
      assert.equal(await ctx.store.accessKeys.setStatus(k1.id, 'Inactive'), true);
      assert.deepEqual(await ctx.store.accessKeys.get(k1.id), { ...k1, status: 'Inactive' });
      assert.deepEqual(await ctx.store.accessKeys.get(k2.id), k2, 'only that key');
      assert.equal(await ctx.store.accessKeys.setStatus(k1.id, 'Active'), true);
      assert.deepEqual(await ctx.store.accessKeys.get(k1.id), k1);
      assert.equal(await ctx.store.accessKeys.setStatus('LTAI-missing', 'Inactive'), false);
    });

    it('resource groups: get scoped to the account, one default per account', async () => {
      const a = { id: newScope().accountId, name: 'rg', creationTime: '2024-01-01T00:00:00Z' };
      const b = { id: newScope().accountId, name: 'rg2', creationTime: '2024-01-01T00:00:00Z' };
      await ctx.store.accounts.insert(a);
      await ctx.store.accounts.insert(b);
      const def = { id: uid('rg'), accountId: a.id, name: 'default', isDefault: true };
      const other = { id: uid('rg'), accountId: a.id, name: 'other', isDefault: false };
      await ctx.store.resourceGroups.insert(def);
      await ctx.store.resourceGroups.insert(other);
      assert.deepEqual(await ctx.store.resourceGroups.get(a.id, other.id), other);
      assert.equal(await ctx.store.resourceGroups.get(b.id, other.id), undefined);
      assert.deepEqual(await ctx.store.resourceGroups.getDefault(a.id), def);
      assert.equal(await ctx.store.resourceGroups.getDefault(b.id), undefined);
      assert.deepEqual(await ctx.store.resourceGroups.list(a.id), [def, other]);
      assert.deepEqual(await ctx.store.resourceGroups.list(b.id), []);
      await assert.rejects(ctx.store.resourceGroups.insert({ id: uid('rg'), accountId: a.id, name: 'second default', isDefault: true }), StoreConflictError);
      // A default for another account is fine.
      await ctx.store.resourceGroups.insert({ id: uid('rg'), accountId: b.id, name: 'default', isDefault: true });
    });

    it('vSwitches: get and getDefault scoped to account and region', async () => {
      const scope = newScope();
      await ctx.store.accounts.insert({ id: scope.accountId, name: 'net', creationTime: '2024-01-01T00:00:00Z' });
      const v1 = { id: uid('vsw'), accountId: scope.accountId, regionId: scope.regionId, zoneId: 'cn-hangzhou-h', cidrBlock: '172.16.0.0/24', isDefault: true };
      const v2 = { ...v1, id: uid('vsw'), cidrBlock: '172.16.1.0/24', isDefault: false };
      const v3 = { ...v1, id: uid('vsw'), regionId: 'cn-beijing', zoneId: 'cn-beijing-a' };
      await ctx.store.vSwitches.insert(v1);
      await ctx.store.vSwitches.insert(v2);
      await ctx.store.vSwitches.insert(v3); // the default of another region
      assert.deepEqual(await ctx.store.vSwitches.get(scope, v2.id), v2);
      assert.equal(await ctx.store.vSwitches.get({ ...scope, regionId: 'cn-beijing' }, v2.id), undefined);
      assert.equal(await ctx.store.vSwitches.get({ ...scope, accountId: '42' }, v2.id), undefined);
      assert.deepEqual(await ctx.store.vSwitches.getDefault(scope), v1);
      assert.deepEqual(await ctx.store.vSwitches.getDefault({ ...scope, regionId: 'cn-beijing' }), v3);
      assert.equal(await ctx.store.vSwitches.getDefault({ ...scope, regionId: 'cn-shanghai' }), undefined);
      await assert.rejects(ctx.store.vSwitches.insert({ ...v1, id: uid('vsw') }), StoreConflictError);
    });
  });

  describe('idempotency', () => {
    it('get, put, duplicate put is a typed error without SQL, keys are per account and action', async () => {
      const account = newScope().accountId;
      const token = uid('token');
      assert.equal(await ctx.store.idempotency.get(account, 'CreateImagePipeline', token), undefined);
      const record = { paramsDigest: 'sha256:abc', response: '{"ImagePipelineId":"ip-1"}' };
      await ctx.store.idempotency.put(account, 'CreateImagePipeline', token, record);
      assert.deepEqual(await ctx.store.idempotency.get(account, 'CreateImagePipeline', token), record);
      await assert.rejects(ctx.store.idempotency.put(account, 'CreateImagePipeline', token, { ...record, paramsDigest: 'other' }), (e) => {
        assert.ok(e instanceof IdempotencyConflictError);
        assert.equal(e.code, 'Store.IdempotencyConflict');
        assert.equal(e.clientToken, token);
        assertNoSql(e);
        return true;
      });
      // The first record is untouched.
      assert.deepEqual(await ctx.store.idempotency.get(account, 'CreateImagePipeline', token), record);
      // The same token is independent for another action and another account.
      assert.equal(await ctx.store.idempotency.get(account, 'CreateImageComponent', token), undefined);
      await ctx.store.idempotency.put(account, 'CreateImageComponent', token, record);
      await ctx.store.idempotency.put(newScope().accountId, 'CreateImagePipeline', token, record);
    });
  });
}
