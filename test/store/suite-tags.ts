import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TagRow } from '../../src/domain/ports.js';
import { StoreNotFoundError } from '../../src/store/errors.js';
import { allPages, component, minimalPipeline, newScope, type SuiteContext } from './helpers.js';

export function tagTests(ctx: SuiteContext): void {
  describe('tags', () => {
    it('put adds and overwrites in place, remove drops keys or all keys', async () => {
      const scope = newScope();
      const c = component(scope, { tags: [{ key: 'x', value: '1' }] });
      await ctx.store.components.insert(c);
      await ctx.store.tags.put(scope, 'imagecomponent', c.id, [{ key: 'y', value: '2' }, { key: 'x', value: '10' }, { key: 'z', value: '' }]);
      await ctx.store.tags.put(scope, 'imagecomponent', c.id, []);
      assert.deepEqual((await ctx.store.components.get(scope, c.id))!.tags, [{ key: 'x', value: '10' }, { key: 'y', value: '2' }, { key: 'z', value: '' }]);
      await ctx.store.tags.remove(scope, 'imagecomponent', c.id, ['x', 'missing']);
      await ctx.store.tags.remove(scope, 'imagecomponent', c.id, []);
      assert.deepEqual((await ctx.store.components.get(scope, c.id))!.tags, [{ key: 'y', value: '2' }, { key: 'z', value: '' }]);
      await ctx.store.tags.remove(scope, 'imagecomponent', c.id);
      assert.deepEqual((await ctx.store.components.get(scope, c.id))!.tags, []);
    });

    it('keeps the unfiltered totalCount exact through adds, overwrites, removes and deletes', async () => {
      const scope = newScope();
      const total = async () => (await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 1 })).totalCount;
      const rows = async () => (await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 100 })).items.length;
      const a = minimalPipeline(scope, { tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
      const b = minimalPipeline(scope, { tags: [{ key: 'a', value: '1' }] });
      await ctx.store.pipelines.insert(a, []);
      await ctx.store.pipelines.insert(b, []);
      assert.equal(await total(), 3);
      await ctx.store.tags.put(scope, 'imagepipeline', a.id, [{ key: 'a', value: 'x' }, { key: 'c', value: '3' }, { key: 'c', value: '4' }]);
      assert.equal(await total(), 4);
      await ctx.store.tags.remove(scope, 'imagepipeline', a.id, ['b', 'nope']);
      assert.equal(await total(), 3);
      await ctx.store.pipelines.delete(scope, b.id);
      assert.equal(await total(), 2);
      assert.equal(await rows(), 2);
      await ctx.store.tags.remove(scope, 'imagepipeline', a.id);
      assert.equal(await total(), 0);
      assert.equal(await rows(), 0);
    });

    it('put on a resource outside the scope (or of the other type) fails and changes nothing', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope, { tags: [{ key: 'owner', value: 'a' }] });
      await ctx.store.pipelines.insert(p, []);
      const intruder = { ...scope, accountId: newScope().accountId };
      await assert.rejects(ctx.store.tags.put(intruder, 'imagepipeline', p.id, [{ key: 'owner', value: 'evil' }]), StoreNotFoundError);
      await assert.rejects(ctx.store.tags.put({ ...scope, regionId: 'cn-beijing' }, 'imagepipeline', p.id, [{ key: 'owner', value: 'evil' }]), StoreNotFoundError);
      await assert.rejects(ctx.store.tags.put(scope, 'imagecomponent', p.id, [{ key: 'owner', value: 'evil' }]), StoreNotFoundError);
      await ctx.store.tags.remove(intruder, 'imagepipeline', p.id);
      assert.deepEqual((await ctx.store.pipelines.get(scope, p.id))!.tags, [{ key: 'owner', value: 'a' }]);
    });

    it('list: rows of the scope and type, by resource ids and tag filter, keyset-paged', async () => {
      const scope = newScope();
      const p1 = minimalPipeline(scope, { tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'a' }] });
      const p2 = minimalPipeline(scope, { tags: [{ key: 'env', value: 'dev' }] });
      const p3 = minimalPipeline(scope, { tags: [{ key: 'team', value: 'b' }] });
      for (const p of [p1, p2, p3]) await ctx.store.pipelines.insert(p, []);
      await ctx.store.components.insert(component(scope, { tags: [{ key: 'env', value: 'prod' }] }));
      await ctx.store.pipelines.insert(minimalPipeline(newScope(), { tags: [{ key: 'env', value: 'prod' }] }), []);

      const row = (id: string, key: string, value: string): TagRow => ({ resourceType: 'imagepipeline', resourceId: id, key, value });
      const all = [row(p1.id, 'env', 'prod'), row(p1.id, 'team', 'a'), row(p2.id, 'env', 'dev'), row(p3.id, 'team', 'b')];
      const first = await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 100 });
      assert.deepEqual(first, { items: all, totalCount: 4 });
      assert.deepEqual((await ctx.store.tags.list(scope, 'imagepipeline', { resourceIds: [p3.id, p2.id] }, { limit: 100 })).items, all.slice(2));
      // Resources carrying env (any value): every tag row of p1 and p2.
      assert.deepEqual((await ctx.store.tags.list(scope, 'imagepipeline', { tags: [{ key: 'env', value: '' }] }, { limit: 100 })).items, all.slice(0, 3));
      assert.deepEqual((await ctx.store.tags.list(scope, 'imagepipeline', { tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'a' }] }, { limit: 100 })).items, all.slice(0, 2));
      assert.deepEqual((await ctx.store.tags.list(scope, 'imagepipeline', { resourceIds: [p2.id], tags: [{ key: 'team', value: '' }] }, { limit: 100 })).items, []);
      // Paging: 4 rows, 3 pages of 2 with a row added in between.
      const p1page = await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 2 });
      assert.deepEqual(p1page.items, all.slice(0, 2));
      await ctx.store.tags.put(scope, 'imagepipeline', p2.id, [{ key: 'late', value: 'yes' }]);
      const rest = await allPages((afterSeq) => ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 2, afterSeq: afterSeq ?? p1page.nextAfterSeq! }));
      assert.deepEqual(rest, [...all.slice(2), row(p2.id, 'late', 'yes')]);
      // The other type's rows in the scope.
      assert.equal((await ctx.store.tags.list(scope, 'imagecomponent', {}, { limit: 5 })).totalCount, 1);
    });
  });
}
