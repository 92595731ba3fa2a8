import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImagePipeline } from '../../src/domain/pipeline.js';
import type { PipelineFilter, Scope } from '../../src/domain/ports.js';
import { StoreConflictError, StoreError } from '../../src/store/errors.js';
import { allPages, fullPipeline, minimalPipeline, newScope, type SuiteContext } from './helpers.js';

export function pipelineTests(ctx: SuiteContext): void {
  const ids = (items: { id: string }[]) => items.map((i) => i.id);

  describe('pipelines', () => {
    it('round-trips a template with every optional field (deep-equal)', async () => {
      const scope = newScope();
      const p = fullPipeline(scope);
      await ctx.store.pipelines.insert(p, ['ic-abc']);
      const got = await ctx.store.pipelines.get(scope, p.id);
      assert.deepStrictEqual(got, p);
      assert.equal(typeof got!.systemDiskSize, 'number');
      assert.equal(got!.deleteInstanceOnFailure, false);
      assert.equal(got!.importImageOptions!.retainImportedImage, true);
      const page = await ctx.store.pipelines.list({ ...scope }, { limit: 10 });
      assert.deepStrictEqual(page.items, [p]);
    });

    it('keeps absent optional fields absent (not null or undefined)', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope);
      await ctx.store.pipelines.insert(p, []);
      const got = await ctx.store.pipelines.get(scope, p.id);
      assert.deepStrictEqual(got, p);
      for (const key of ['description', 'baseImage', 'buildContent', 'imageOptions', 'importImageOptions', 'advancedOptions', 'repairMode']) {
        assert.equal(key in got!, false, `${key} should be absent`);
      }
    });

    it('is scoped: another account or region sees nothing', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope);
      await ctx.store.pipelines.insert(p, []);
      for (const other of [{ ...scope, accountId: newScope().accountId }, { ...scope, regionId: 'cn-beijing' }]) {
        assert.equal(await ctx.store.pipelines.get(other, p.id), undefined);
        assert.equal(await ctx.store.pipelines.count(other), 0);
        assert.deepEqual(await ctx.store.pipelines.list({ ...other, ids: [p.id] }, { limit: 10 }), { items: [], totalCount: 0 });
        assert.equal(await ctx.store.pipelines.delete(other, p.id), false);
      }
      assert.ok(await ctx.store.pipelines.get(scope, p.id));
      assert.equal(await ctx.store.pipelines.count(scope), 1);
    });

    it('rejects a duplicate id with a typed error', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope);
      await ctx.store.pipelines.insert(p, []);
      await assert.rejects(ctx.store.pipelines.insert({ ...p, name: 'again' }, []), StoreConflictError);
      assert.equal((await ctx.store.pipelines.get(scope, p.id))!.name, 'minimal');
    });

    it('count and delete (with its tags and component references)', async () => {
      const scope = newScope();
      const a = minimalPipeline(scope, { tags: [{ key: 'k', value: 'v' }] });
      const b = minimalPipeline(scope);
      await ctx.store.pipelines.insert(a, ['ic-ref-a', 'ic-ref-a', 'ic-shared']);
      await ctx.store.pipelines.insert(b, ['ic-shared']);
      assert.equal(await ctx.store.pipelines.count(scope), 2);
      assert.equal(await ctx.store.pipelines.delete(scope, a.id), true);
      assert.equal(await ctx.store.pipelines.delete(scope, a.id), false);
      assert.equal(await ctx.store.pipelines.get(scope, a.id), undefined);
      assert.equal(await ctx.store.pipelines.count(scope), 1);
      assert.equal(await ctx.store.pipelines.referencesComponent('ic-ref-a'), false);
      assert.equal(await ctx.store.pipelines.referencesComponent('ic-shared'), true);
      const tags = await ctx.store.tags.list(scope, 'imagepipeline', {}, { limit: 50 });
      assert.deepEqual(tags.items, []);
      // A new template with the deleted one's id gets no stale tags.
      await ctx.store.pipelines.insert({ ...a, tags: [] }, []);
      assert.deepEqual((await ctx.store.pipelines.get(scope, a.id))!.tags, []);
    });

    it('referencesComponent sees templates of every account', async () => {
      const compId = `ic-global-${Date.now()}`;
      assert.equal(await ctx.store.pipelines.referencesComponent(compId), false);
      const p = minimalPipeline(newScope('cn-shanghai'));
      await ctx.store.pipelines.insert(p, [compId]);
      assert.equal(await ctx.store.pipelines.referencesComponent(compId), true);
      await ctx.store.pipelines.delete({ accountId: p.accountId, regionId: p.regionId }, p.id);
      assert.equal(await ctx.store.pipelines.referencesComponent(compId), false);
    });

    it('pages in seq order with totalCount, no skip or repeat while rows are inserted between pages', async () => {
      const scope = newScope();
      const inserted: string[] = [];
      const add = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const p = minimalPipeline(scope, { name: `p${inserted.length}` });
          await ctx.store.pipelines.insert(p, []);
          inserted.push(p.id);
        }
      };
      await add(7);
      const seen: string[] = [];
      const p1 = await ctx.store.pipelines.list({ ...scope }, { limit: 3 });
      assert.equal(p1.totalCount, 7);
      assert.equal(p1.items.length, 3);
      assert.equal(typeof p1.nextAfterSeq, 'number');
      seen.push(...ids(p1.items));
      await add(2);
      // Rows of other scopes in between change nothing for this one.
      await ctx.store.pipelines.insert(minimalPipeline(newScope()), []);
      await ctx.store.pipelines.insert(minimalPipeline({ ...scope, regionId: 'cn-beijing' }), []);
      const p2 = await ctx.store.pipelines.list({ ...scope }, { limit: 3, afterSeq: p1.nextAfterSeq! });
      assert.equal(p2.totalCount, 9);
      seen.push(...ids(p2.items));
      await add(1);
      const p3 = await ctx.store.pipelines.list({ ...scope }, { limit: 3, afterSeq: p2.nextAfterSeq! });
      seen.push(...ids(p3.items));
      assert.ok(p3.nextAfterSeq !== undefined);
      const p4 = await ctx.store.pipelines.list({ ...scope }, { limit: 3, afterSeq: p3.nextAfterSeq });
      seen.push(...ids(p4.items));
      assert.equal(p4.items.length, 1);
      assert.equal('nextAfterSeq' in p4, false, 'the last page has no nextAfterSeq');
      assert.equal(p4.totalCount, 10);
      assert.deepEqual(seen, inserted);

      // A page that ends exactly at the last row says so (limit+1 fetch).
      const exact = await ctx.store.pipelines.list({ ...scope }, { limit: 10 });
      assert.equal(exact.items.length, 10);
      assert.equal(exact.nextAfterSeq, undefined);
      // Paging is stable across deletes too.
      await ctx.store.pipelines.delete(scope, inserted[1]!);
      const all = await allPages((afterSeq) => ctx.store.pipelines.list({ ...scope }, { limit: 4, ...(afterSeq !== undefined ? { afterSeq } : {}) }));
      assert.deepEqual(ids(all), inserted.filter((_, i) => i !== 1));
    });

    it('rejects a page limit below 1', async () => {
      await assert.rejects(ctx.store.pipelines.list({ ...newScope() }, { limit: 0 }), StoreError);
    });

    it('filters by ids, name, resource group and tags (all must match; empty value = any value)', async () => {
      const scope = newScope();
      const mk = (name: string, rg: string, tags: { key: string; value: string }[]) => minimalPipeline(scope, { name, resourceGroupId: rg, tags });
      const a = mk('alpha', 'rg-1', [{ key: 'env', value: 'prod' }, { key: 'team', value: 'core' }]);
      const b = mk('beta', 'rg-1', [{ key: 'env', value: 'dev' }]);
      const c = mk('alpha', 'rg-2', [{ key: 'env', value: 'prod' }]);
      const d = mk('delta', 'rg-2', []);
      for (const p of [a, b, c, d]) await ctx.store.pipelines.insert(p, []);
      // Noise in another scope with matching names and tags.
      await ctx.store.pipelines.insert(minimalPipeline(newScope(), { name: 'alpha', resourceGroupId: 'rg-1', tags: [{ key: 'env', value: 'prod' }] }), []);

      const q = async (f: Omit<PipelineFilter, keyof Scope>) => {
        const page = await ctx.store.pipelines.list({ ...scope, ...f }, { limit: 50 });
        assert.equal(page.totalCount, page.items.length);
        return ids(page.items);
      };
      assert.deepEqual(await q({}), ids([a, b, c, d]));
      assert.deepEqual(await q({ ids: [d.id, a.id, 'ip-missing'] }), ids([a, d]));
      assert.deepEqual(await q({ ids: [] }), ids([a, b, c, d]));
      assert.deepEqual(await q({ name: 'alpha' }), ids([a, c]));
      assert.deepEqual(await q({ name: 'alp' }), []);
      assert.deepEqual(await q({ resourceGroupId: 'rg-2' }), ids([c, d]));
      assert.deepEqual(await q({ tags: [{ key: 'env', value: 'prod' }] }), ids([a, c]));
      assert.deepEqual(await q({ tags: [{ key: 'env', value: '' }] }), ids([a, b, c]));
      assert.deepEqual(await q({ tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: '' }] }), ids([a]));
      assert.deepEqual(await q({ tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'other' }] }), []);
      assert.deepEqual(await q({ tags: [{ key: 'nope', value: '' }] }), []);
      assert.deepEqual(await q({ name: 'alpha', resourceGroupId: 'rg-1', tags: [{ key: 'env', value: '' }] }), ids([a]));

      // totalCount counts the filter across pages.
      const page = await ctx.store.pipelines.list({ ...scope, tags: [{ key: 'env', value: '' }] }, { limit: 2 });
      assert.deepEqual(ids(page.items), ids([a, b]));
      assert.equal(page.totalCount, 3);
      assert.ok(page.nextAfterSeq !== undefined);
    });

    it('reflects tag changes in get and list', async () => {
      const scope = newScope();
      const p: ImagePipeline = minimalPipeline(scope, { tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
      await ctx.store.pipelines.insert(p, []);
      await ctx.store.tags.put(scope, 'imagepipeline', p.id, [{ key: 'a', value: 'one' }, { key: 'c', value: '3' }]);
      const expected = [{ key: 'a', value: 'one' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }];
      assert.deepEqual((await ctx.store.pipelines.get(scope, p.id))!.tags, expected);
      assert.deepEqual((await ctx.store.pipelines.list({ ...scope }, { limit: 5 })).items[0]!.tags, expected);
      await ctx.store.tags.remove(scope, 'imagepipeline', p.id, ['b']);
      assert.deepEqual((await ctx.store.pipelines.get(scope, p.id))!.tags, [{ key: 'a', value: 'one' }, { key: 'c', value: '3' }]);
      await ctx.store.tags.remove(scope, 'imagepipeline', p.id);
      assert.deepEqual((await ctx.store.pipelines.get(scope, p.id))!.tags, []);
    });
  });
}
