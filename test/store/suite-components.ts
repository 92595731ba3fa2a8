import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComponentFilter, Scope } from '../../src/domain/ports.js';
import { parseVersionPattern } from '../../src/store/repositories/components.js';
import { StoreConflictError, StoreError } from '../../src/store/errors.js';
import { component, newScope, type SuiteContext } from './helpers.js';

export function componentTests(ctx: SuiteContext): void {
  const ids = (items: { id: string }[]) => items.map((i) => i.id);

  describe('components', () => {
    it('round-trips every field, optional ones absent when not given', async () => {
      const scope = newScope();
      const full = component(scope, {
        name: 'full',
        description: 'a "described" component ✓',
        systemType: 'Windows',
        componentType: 'Test',
        componentVersion: '2.10.3',
        content: 'name: x\nParameters:\n  msg:\n    Type: String\n    DefaultValue: hi\nTasks: []\n',
        resourceGroupId: 'rg-c',
        parameters: [{ name: 'msg', type: 'String', defaultValue: 'hi' }, { name: 'n', type: 'Number' }],
        tags: [{ key: 'k', value: 'v' }],
      });
      const bare = component(scope, { name: 'bare' });
      await ctx.store.components.insert(full);
      await ctx.store.components.insert(bare);
      assert.deepStrictEqual(await ctx.store.components.get(scope, full.id), full);
      const gotBare = await ctx.store.components.get(scope, bare.id);
      assert.deepStrictEqual(gotBare, bare);
      assert.equal('resourceGroupId' in gotBare!, false);
      assert.equal('description' in gotBare!, false);
      assert.deepStrictEqual((await ctx.store.components.list({ ...scope }, { limit: 10 })).items, [full, bare]);
    });

    it('is scoped, counts, deletes with its tags', async () => {
      const scope = newScope();
      const c = component(scope, { tags: [{ key: 'a', value: 'b' }] });
      await ctx.store.components.insert(c);
      assert.equal(await ctx.store.components.count(scope), 1);
      for (const other of [{ ...scope, accountId: newScope().accountId }, { ...scope, regionId: 'cn-beijing' }]) {
        assert.equal(await ctx.store.components.get(other, c.id), undefined);
        assert.equal(await ctx.store.components.count(other), 0);
        assert.equal((await ctx.store.components.list({ ...other }, { limit: 5 })).totalCount, 0);
        assert.deepEqual(await ctx.store.components.versionsOf(other, c.name), []);
        assert.equal(await ctx.store.components.delete(other, c.id), false);
      }
      assert.equal(await ctx.store.components.delete(scope, c.id), true);
      assert.equal(await ctx.store.components.delete(scope, c.id), false);
      assert.equal(await ctx.store.components.count(scope), 0);
      assert.deepEqual((await ctx.store.tags.list(scope, 'imagecomponent', {}, { limit: 5 })).items, []);
    });

    it('a version is unique per name; versionsOf lists them in version order', async () => {
      const scope = newScope();
      const versions = ['1.10.0', '1.2.0', '2.0.0', '1.2.10', '1.2.9', '0.0.1'];
      for (const v of versions) await ctx.store.components.insert(component(scope, { name: 'web', componentVersion: v }));
      await ctx.store.components.insert(component(scope, { name: 'other', componentVersion: '9.9.9' }));
      await assert.rejects(ctx.store.components.insert(component(scope, { name: 'web', componentVersion: '1.2.0' })), StoreConflictError);
      // The same name and version in another scope is fine.
      await ctx.store.components.insert(component(newScope(), { name: 'web', componentVersion: '1.2.0' }));
      const got = (await ctx.store.components.versionsOf(scope, 'web')).map((c) => c.componentVersion);
      assert.deepEqual(got, ['0.0.1', '1.2.0', '1.2.9', '1.2.10', '1.10.0', '2.0.0']);
      await assert.rejects(ctx.store.components.insert(component(scope, { componentVersion: '1.x.0' })), StoreError);
    });

    it('filters by ids, name, type, system type, resource group, tags and version (exact or one wildcard), in seq order', async () => {
      const scope = newScope();
      const mk = (name: string, componentVersion: string, over: Parameters<typeof component>[1] = {}) => component(scope, { name, componentVersion, ...over });
      const c = [
        mk('a', '1.0.0'),
        mk('a', '1.0.3', { componentType: 'Test' }),
        mk('a', '1.2.3', { systemType: 'Windows', resourceGroupId: 'rg-x' }),
        mk('a', '2.0.3', { tags: [{ key: 'tier', value: 'gold' }] }),
        mk('a', '1.0.10'),
        mk('b', '1.0.0', { tags: [{ key: 'tier', value: 'silver' }], resourceGroupId: 'rg-x' }),
      ];
      for (const x of c) await ctx.store.components.insert(x);
      const [a100, a103, a123, a203, a1010, b100] = c as [typeof c[0], typeof c[0], typeof c[0], typeof c[0], typeof c[0], typeof c[0]];
      const q = async (f: Omit<ComponentFilter, keyof Scope>) => {
        const page = await ctx.store.components.list({ ...scope, ...f }, { limit: 50 });
        assert.equal(page.totalCount, page.items.length);
        return ids(page.items);
      };
      assert.deepEqual(await q({}), ids(c));
      assert.deepEqual(await q({ ids: [b100.id, a100.id] }), ids([a100, b100]));
      assert.deepEqual(await q({ name: 'b' }), ids([b100]));
      assert.deepEqual(await q({ componentType: 'Test' }), ids([a103]));
      assert.deepEqual(await q({ systemType: 'Windows' }), ids([a123]));
      assert.deepEqual(await q({ resourceGroupId: 'rg-x' }), ids([a123, b100]));
      assert.deepEqual(await q({ tags: [{ key: 'tier', value: '' }] }), ids([a203, b100]));
      assert.deepEqual(await q({ tags: [{ key: 'tier', value: 'gold' }] }), ids([a203]));
      // Versions.
      assert.deepEqual(await q({ name: 'a', componentVersion: '1.0.3' }), ids([a103]));
      assert.deepEqual(await q({ name: 'a', componentVersion: '1.0.*' }), ids([a100, a103, a1010]));
      assert.deepEqual(await q({ name: 'a', componentVersion: '1.*.3' }), ids([a103, a123]));
      assert.deepEqual(await q({ name: 'a', componentVersion: '*.0.3' }), ids([a103, a203]));
      assert.deepEqual(await q({ componentVersion: '1.0.0' }), ids([a100, b100]));
      assert.deepEqual(await q({ name: 'a', componentVersion: '01.0.3' }), ids([a103]), 'parts compare as numbers');
      assert.deepEqual(await q({ name: 'a', componentVersion: '1.0.1' }), [], 'no prefix matching: 1.0.1 is not 1.0.10');
      for (const bad of ['1.*.*', '*', '1.0', '1.0.0.0', 'a.b.c', '1.0.x', '']) {
        assert.deepEqual(await ctx.store.components.list({ ...scope, componentVersion: bad }, { limit: 5 }), { items: [], totalCount: 0 }, bad);
      }
    });

    it('parses version patterns', () => {
      assert.deepEqual(parseVersionPattern('1.2.3'), { major: 1, minor: 2, patch: 3 });
      assert.deepEqual(parseVersionPattern('1.2.*'), { major: 1, minor: 2 });
      assert.deepEqual(parseVersionPattern('*.2.3'), { minor: 2, patch: 3 });
      assert.equal(parseVersionPattern('*.*.3'), undefined);
      assert.equal(parseVersionPattern('-1.0.0'), undefined);
      assert.equal(parseVersionPattern('99999999999.0.0'), undefined);
    });

    it('pages components by seq', async () => {
      const scope = newScope();
      const made = [];
      for (let i = 0; i < 5; i++) made.push(component(scope, { name: 'p', componentVersion: `${5 - i}.0.0` }));
      for (const m of made) await ctx.store.components.insert(m);
      const p1 = await ctx.store.components.list({ ...scope }, { limit: 2 });
      const p2 = await ctx.store.components.list({ ...scope }, { limit: 2, afterSeq: p1.nextAfterSeq! });
      const p3 = await ctx.store.components.list({ ...scope }, { limit: 2, afterSeq: p2.nextAfterSeq! });
      assert.deepEqual([...ids(p1.items), ...ids(p2.items), ...ids(p3.items)], ids(made));
      assert.equal(p3.nextAfterSeq, undefined);
      assert.deepEqual([p1.totalCount, p2.totalCount, p3.totalCount], [5, 5, 5]);
    });
  });
}
