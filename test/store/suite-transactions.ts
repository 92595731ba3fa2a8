import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Repositories } from '../../src/domain/ports.js';
import { IdempotencyConflictError, StoreUsageError } from '../../src/store/errors.js';
import { component, minimalPipeline, newScope, uid, type SuiteContext } from './helpers.js';

class QuotaExceeded extends Error {}

export function transactionTests(ctx: SuiteContext): void {
  describe('transactions', () => {
    it('commit several writes and return the value of work', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope, { tags: [{ key: 'k', value: 'v' }] });
      const c = component(scope);
      const out = await ctx.store.transaction(async (tx) => {
        await tx.pipelines.insert(p, [c.id]);
        await tx.components.insert(c);
        await tx.idempotency.put(scope.accountId, 'CreateImagePipeline', uid('t'), { paramsDigest: 'd', response: '{}' });
        return { created: p.id, seen: await tx.pipelines.count(scope) };
      });
      assert.deepEqual(out, { created: p.id, seen: 1 });
      assert.deepStrictEqual(await ctx.store.pipelines.get(scope, p.id), p);
      assert.ok(await ctx.store.components.get(scope, c.id));
      assert.equal(await ctx.store.pipelines.referencesComponent(c.id), true);
    });

    it('roll back every write when work throws', async () => {
      const scope = newScope();
      const token = uid('t');
      const p = minimalPipeline(scope, { tags: [{ key: 'k', value: 'v' }] });
      const boom = new Error('boom');
      await assert.rejects(ctx.store.transaction(async (tx) => {
        await tx.pipelines.insert(p, ['ic-rolled-back']);
        await tx.idempotency.put(scope.accountId, 'A', token, { paramsDigest: 'd', response: '{}' });
        assert.ok(await tx.pipelines.get(scope, p.id), 'the transaction sees its own write');
        throw boom;
      }), (e) => e === boom);
      assert.equal(await ctx.store.pipelines.get(scope, p.id), undefined);
      assert.equal(await ctx.store.pipelines.count(scope), 0);
      assert.equal(await ctx.store.pipelines.referencesComponent('ic-rolled-back'), false);
      assert.equal(await ctx.store.idempotency.get(scope.accountId, 'A', token), undefined);
      assert.equal((await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 5 })).totalCount, 0);
    });

    it('a store error from the database propagates and rolls back; swallowing it still rolls back', async () => {
      const scope = newScope();
      const token = uid('t');
      await ctx.store.idempotency.put(scope.accountId, 'A', token, { paramsDigest: 'd', response: '{}' });
      const p = minimalPipeline(scope);
      await assert.rejects(ctx.store.transaction(async (tx) => {
        await tx.pipelines.insert(p, []);
        await tx.idempotency.put(scope.accountId, 'A', token, { paramsDigest: 'd', response: '{}' });
      }), IdempotencyConflictError);
      assert.equal(await ctx.store.pipelines.get(scope, p.id), undefined);

      await assert.rejects(ctx.store.transaction(async (tx) => {
        await tx.pipelines.insert(p, []);
        await tx.idempotency.put(scope.accountId, 'A', token, { paramsDigest: 'd', response: '{}' }).catch(() => {});
        return 'pretend all is well';
      }), StoreUsageError);
      assert.equal(await ctx.store.pipelines.get(scope, p.id), undefined);
    });

    it('refuse nested transactions, the root store inside work, and tx repositories after the end', async () => {
      const scope = newScope();
      let leaked: Repositories | undefined;
      await assert.rejects(ctx.store.transaction(async () => ctx.store.transaction(async () => 1)), StoreUsageError);
      await assert.rejects(ctx.store.transaction(async () => ctx.store.pipelines.count(scope)), StoreUsageError);
      await ctx.store.transaction(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(leaked!.pipelines.count(scope), StoreUsageError);
      // The store still works afterwards (nothing is left holding the connection).
      assert.equal(await ctx.store.pipelines.count(scope), 0);
    });

    it('20 concurrent count-then-insert transactions never exceed the quota', async () => {
      const scope = newScope();
      const quota = 5;
      let attempts = 0;
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ctx.store.transaction(async (tx) => {
        attempts++;
        const n = await tx.pipelines.count(scope);
        await tick(); // let the other transactions run between the check and the insert
        if (n >= quota) throw new QuotaExceeded(`quota ${quota} reached`);
        await tx.pipelines.insert(minimalPipeline(scope, { name: `q${i}` }), []);
        return n;
      })));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const f of failed) assert.ok(f.reason instanceof QuotaExceeded, `unexpected ${f.reason}`);
      assert.equal(ok.length, quota);
      assert.equal(await ctx.store.pipelines.count(scope), quota);
      assert.deepEqual(ok.map((r) => (r as PromiseFulfilledResult<number>).value).sort(), [0, 1, 2, 3, 4]);
      assert.ok(attempts >= 20);
    });

    it('concurrent transactions where some throw: the others commit, the throwing ones leave nothing', async () => {
      const scope = newScope();
      const taken = minimalPipeline(scope, { name: 'taken' });
      await ctx.store.pipelines.insert(taken, []);
      // ok; throws; propagates a database error (duplicate id); swallows one (StoreUsageError).
      const kinds = ['ok', 'throws', 'ok', 'db-error', 'ok', 'swallowed'] as const;
      const N = 24;
      const kindOf = (i: number) => kinds[i % kinds.length]!;
      const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => ctx.store.transaction(async (tx) => {
        const p = minimalPipeline(scope, { name: `g${i}`, tags: [{ key: 'i', value: String(i) }] });
        await tx.pipelines.insert(p, [`ic-group-${scope.accountId}-${i}`]);
        await tx.idempotency.put(scope.accountId, 'Group', `t${i}`, { paramsDigest: 'd', response: '{}' });
        const kind = kindOf(i);
        if (kind === 'throws') throw new QuotaExceeded(`unit ${i}`);
        if (kind === 'db-error') await tx.pipelines.insert(taken, []);
        if (kind === 'swallowed') await tx.pipelines.insert(taken, []).catch(() => {});
        return p.id;
      })));
      const okNames: string[] = [];
      for (const [i, r] of results.entries()) {
        const kind = kindOf(i);
        if (kind === 'ok') {
          assert.equal(r.status, 'fulfilled', `unit ${i}: ${(r as PromiseRejectedResult).reason}`);
          okNames.push(`g${i}`);
        } else {
          assert.equal(r.status, 'rejected', `unit ${i} (${kind}) must fail`);
          const reason = (r as PromiseRejectedResult).reason;
          if (kind === 'throws') assert.ok(reason instanceof QuotaExceeded);
          if (kind === 'db-error') assert.equal(reason.code, 'Store.Conflict');
          if (kind === 'swallowed') assert.ok(reason instanceof StoreUsageError);
        }
        const ref = await ctx.store.pipelines.referencesComponent(`ic-group-${scope.accountId}-${i}`);
        const token = await ctx.store.idempotency.get(scope.accountId, 'Group', `t${i}`);
        assert.equal(ref, kind === 'ok', `component reference of unit ${i}`);
        assert.equal(token !== undefined, kind === 'ok', `idempotency record of unit ${i}`);
      }
      const page = await ctx.store.pipelines.list({ ...scope }, { limit: 100 });
      assert.deepEqual(page.items.map((p) => p.name).sort(), ['taken', ...okNames].sort());
      assert.equal(page.totalCount, 1 + okNames.length);
      assert.equal(await ctx.store.pipelines.count(scope), 1 + okNames.length);
      assert.equal((await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 100 })).totalCount, okNames.length);
      for (const p of page.items.filter((x) => x.name !== 'taken')) assert.deepEqual(p.tags, [{ key: 'i', value: p.name.slice(1) }]);
    });

    it('concurrent transactions and root calls on distinct scopes all complete', async () => {
      const scopes = Array.from({ length: 10 }, () => newScope());
      await Promise.all(scopes.flatMap((scope) => [
        ctx.store.transaction(async (tx) => {
          await tx.pipelines.insert(minimalPipeline(scope), []);
          await tick();
          await tx.components.insert(component(scope));
        }),
        ctx.store.pipelines.list({ ...scope }, { limit: 5 }),
      ]));
      for (const scope of scopes) {
        assert.equal(await ctx.store.pipelines.count(scope), 1);
        assert.equal(await ctx.store.components.count(scope), 1);
      }
    });
  });

  describe('migrations', () => {
    it('createStore on an already migrated database is a no-op and sees the data', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope);
      await ctx.store.pipelines.insert(p, []);
      const again = await ctx.open();
      const third = await ctx.open();
      assert.deepStrictEqual(await again.pipelines.get(scope, p.id), p);
      assert.deepStrictEqual(await third.pipelines.get(scope, p.id), p);
      await again.close();
      await third.close();
    });
  });
}
