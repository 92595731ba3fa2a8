import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Execution } from '../../src/domain/execution.js';
import { newAccountImage, type Image } from '../../src/domain/image.js';
import type { Scope } from '../../src/domain/ports.js';
import type { StepCacheEntry } from '../../src/domain/step-cache.js';
import { newScope, uid, type SuiteContext } from './helpers.js';

/** Epoch ms well past 2^32, so a bigint column that came back as a string or got truncated shows. */
const T0 = 1_767_225_600_123;

const hex = (c: string) => `sha256:${c.repeat(64)}`;

function entry(scope: Scope, key: string, over: Partial<StepCacheEntry> = {}): StepCacheEntry {
  return {
    accountId: scope.accountId,
    regionId: scope.regionId,
    key,
    layerDigest: hex('1'),
    layerSize: 5_000_000_000, // > 2^32 bytes: a bigint as well
    createdAt: T0,
    lastUsedAt: T0,
    ...over,
  };
}

function execution(scope: Scope, over: Partial<Execution> = {}): Execution {
  return {
    id: uid('exec'),
    pipelineId: uid('ip'),
    accountId: scope.accountId,
    regionId: scope.regionId,
    status: 'BUILDING',
    message: 'building',
    resourceGroupId: 'rg-default',
    tags: [],
    creationTime: '2026-11-29T08:00:00Z',
    modifiedTime: '2026-11-29T08:00:00Z',
    ...over,
  };
}

function image(scope: Scope, manifestDigest: string): Image {
  return newAccountImage({
    imageId: uid('m'),
    regionId: scope.regionId,
    accountId: scope.accountId,
    imageName: uid('img'),
    size: 40,
    creationTime: '2024-01-02T03:04:05Z',
    tags: [],
    manifestDigest,
  });
}

/** This scope's entries as `listAll` orders them. */
async function listed(ctx: SuiteContext, scope: Scope): Promise<StepCacheEntry[]> {
  return (await ctx.store.stepCache.listAll()).filter((e) => e.accountId === scope.accountId && e.regionId === scope.regionId);
}

export function stepCacheTests(ctx: SuiteContext): void {
  describe('step cache', () => {
    it('put stores several entries in one call (optional fields absent or set) and epoch ms come back as exact numbers', async () => {
      const scope = newScope();
      const bare = entry(scope, 'k-bare', { layerSize: 0 });
      delete bare.layerDigest;
      const full = entry(scope, 'k-full', {
        tmpDigest: hex('2'),
        output: 'line 1\n"quoted" 中文 🚀\n',
        createdAt: T0 - 1,
        lastUsedAt: T0 + 4_000_000_000,
      });
      const plain = entry(scope, 'k-plain');
      await ctx.store.stepCache.put([bare, full, plain]);

      for (const e of [bare, full, plain]) {
        const got = await ctx.store.stepCache.get(scope, e.key);
        assert.deepStrictEqual(got, e);
      }
      const got = (await ctx.store.stepCache.get(scope, 'k-full'))!;
      assert.equal(typeof got.createdAt, 'number');
      assert.equal(typeof got.lastUsedAt, 'number');
      assert.equal(typeof got.layerSize, 'number');
      assert.ok(!('layerDigest' in (await ctx.store.stepCache.get(scope, 'k-bare'))!), 'an absent layer stays absent (not null)');
      assert.equal(await ctx.store.stepCache.get(scope, 'k-missing'), undefined);
      await ctx.store.stepCache.put([]); // nothing to do, no error
    });

    it('tmpSize round-trips (a bigint); listForAccount gives the account\'s entries of every region, least recently used first', async () => {
      const scope = newScope();
      const beijing = { ...scope, regionId: 'cn-beijing' };
      const withTmp = entry(scope, 'k-tmp', { tmpDigest: hex('5'), tmpSize: 6_000_000_000, lastUsedAt: T0 + 2 });
      const older = entry(beijing, 'k-old', { lastUsedAt: T0 + 1 });
      await ctx.store.stepCache.put([withTmp, older, entry(newScope(), 'k-other')]);
      assert.deepStrictEqual(await ctx.store.stepCache.get(scope, 'k-tmp'), withTmp);
      assert.deepStrictEqual(await ctx.store.stepCache.listForAccount(scope.accountId), [older, withTmp]);
      assert.deepStrictEqual(await ctx.store.stepCache.listForAccount(newScope().accountId), []);
    });

    it('put replaces the entry with the same scope and key (every field), leaving the others', async () => {
      const scope = newScope();
      const a = entry(scope, 'k-a', { tmpDigest: hex('3'), output: 'old' });
      const b = entry(scope, 'k-b');
      await ctx.store.stepCache.put([a, b]);
      const a2 = entry(scope, 'k-a', { layerDigest: hex('4'), layerSize: 7, createdAt: T0 + 10, lastUsedAt: T0 + 20 });
      await ctx.store.stepCache.put([a2]);
      assert.deepStrictEqual(await ctx.store.stepCache.get(scope, 'k-a'), a2, 'tmpDigest and output cleared, the rest replaced');
      assert.deepStrictEqual(await ctx.store.stepCache.get(scope, 'k-b'), b);
      assert.equal((await listed(ctx, scope)).length, 2);
    });

    it('get is scoped: the same key in another account or region is a different entry or none', async () => {
      const scope = newScope();
      const otherRegion = { ...scope, regionId: 'cn-beijing' };
      const otherAccount = newScope();
      await ctx.store.stepCache.put([entry(scope, 'shared-key', { output: 'mine' })]);
      assert.equal((await ctx.store.stepCache.get(scope, 'shared-key'))?.output, 'mine');
      assert.equal(await ctx.store.stepCache.get(otherRegion, 'shared-key'), undefined);
      assert.equal(await ctx.store.stepCache.get(otherAccount, 'shared-key'), undefined);

      await ctx.store.stepCache.put([entry(otherAccount, 'shared-key', { output: 'theirs' })]);
      assert.equal((await ctx.store.stepCache.get(otherAccount, 'shared-key'))?.output, 'theirs');
      assert.equal((await ctx.store.stepCache.get(scope, 'shared-key'))?.output, 'mine', 'a put in another account does not replace mine');
    });

    it('touch only moves last_used_at forward, only for the given keys of the given scope', async () => {
      const scope = newScope();
      const otherRegion = { ...scope, regionId: 'cn-beijing' };
      const otherAccount = newScope();
      await ctx.store.stepCache.put([
        entry(scope, 'k1', { lastUsedAt: T0 + 100 }),
        entry(scope, 'k2', { lastUsedAt: T0 + 100 }),
        entry(scope, 'k3', { lastUsedAt: T0 + 100 }),
        entry(otherRegion, 'k1', { lastUsedAt: T0 + 100 }),
        entry(otherAccount, 'k1', { lastUsedAt: T0 + 100 }),
      ]);
      const used = async (s: Scope, key: string) => (await ctx.store.stepCache.get(s, key))?.lastUsedAt;

      await ctx.store.stepCache.touch(scope, ['k1', 'k2'], T0 + 5_000_000_000);
      assert.equal(await used(scope, 'k1'), T0 + 5_000_000_000);
      assert.equal(await used(scope, 'k2'), T0 + 5_000_000_000);
      assert.equal(await used(scope, 'k3'), T0 + 100, 'a key not given is not touched');
      assert.equal(await used(otherRegion, 'k1'), T0 + 100, 'the same key in another region is not touched');
      assert.equal(await used(otherAccount, 'k1'), T0 + 100, 'the same key in another account is not touched');
      assert.equal((await ctx.store.stepCache.get(scope, 'k1'))?.createdAt, T0, 'touch does not change createdAt');

      await ctx.store.stepCache.touch(scope, ['k1', 'k3'], T0 + 50);
      assert.equal(await used(scope, 'k1'), T0 + 5_000_000_000, 'an earlier time does not move it back');
      assert.equal(await used(scope, 'k3'), T0 + 100, 'an earlier time does not move it back');
      await ctx.store.stepCache.touch(scope, [], T0 + 9_000_000_000); // nothing to do, no error
    });

    it('listAll is least recently used first (ties by key), across scopes', async () => {
      const scope = newScope();
      const other = newScope();
      await ctx.store.stepCache.put([
        entry(scope, 'c', { lastUsedAt: T0 + 3 }),
        entry(scope, 'a', { lastUsedAt: T0 + 1 }),
        entry(scope, 'e', { lastUsedAt: T0 + 2 }),
        entry(scope, 'b', { lastUsedAt: T0 + 2 }),
      ]);
      await ctx.store.stepCache.put([entry(other, 'z', { lastUsedAt: T0 + 2 })]);
      assert.deepEqual((await listed(ctx, scope)).map((e) => e.key), ['a', 'b', 'e', 'c']);
      await ctx.store.stepCache.touch(scope, ['a'], T0 + 10);
      assert.deepEqual((await listed(ctx, scope)).map((e) => e.key), ['b', 'e', 'c', 'a']);

      const all = await ctx.store.stepCache.listAll();
      const keys = all.filter((e) => e.accountId === scope.accountId || e.accountId === other.accountId).map((e) => e.key);
      assert.deepEqual(keys, ['b', 'e', 'z', 'c', 'a'], 'other scopes are listed too, in the same order');
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.lastUsedAt <= all[i]!.lastUsedAt, 'the whole list is in LRU order');
    });

    it('delete removes the given keys of the scope only; clear empties the scope and returns the count', async () => {
      const scope = newScope();
      const otherRegion = { ...scope, regionId: 'cn-beijing' };
      await ctx.store.stepCache.put([entry(scope, 'k1'), entry(scope, 'k2'), entry(scope, 'k3'), entry(scope, 'k4'), entry(otherRegion, 'k1')]);
      await ctx.store.stepCache.delete(scope, ['k1', 'k3', 'k-none']);
      assert.deepEqual((await listed(ctx, scope)).map((e) => e.key), ['k2', 'k4']);
      assert.ok(await ctx.store.stepCache.get(otherRegion, 'k1'), 'the same key in another region stays');
      await ctx.store.stepCache.delete(scope, []); // nothing to do, no error

      assert.equal(await ctx.store.stepCache.clear(scope), 2);
      assert.deepEqual(await listed(ctx, scope), []);
      assert.equal(await ctx.store.stepCache.clear(scope), 0);
      assert.ok(await ctx.store.stepCache.get(otherRegion, 'k1'), 'clear leaves other scopes');
      assert.equal(await ctx.store.stepCache.clear(otherRegion), 1);
    });

    it('entries written in a transaction are rolled back with it', async () => {
      const scope = newScope();
      await assert.rejects(ctx.store.transaction(async (tx) => {
        await tx.stepCache.put([entry(scope, 'k-tx')]);
        assert.ok(await tx.stepCache.get(scope, 'k-tx'));
        throw new Error('boom');
      }), /boom/);
      assert.equal(await ctx.store.stepCache.get(scope, 'k-tx'), undefined);
    });
  });

  describe('blob pins', () => {
    it('pin accepts duplicates; activeDigests counts only pins of active executions; unpin drops one execution\'s pins', async () => {
      const scope = newScope();
      const running = execution(scope);
      const finishing = execution(scope);
      const queued = execution(scope, { status: 'PREPARING', message: 'queued' });
      for (const e of [running, finishing, queued]) await ctx.store.executions.insert(e);
      const [d1, d2, d3, d4, d5] = [uid('sha256:d1'), uid('sha256:d2'), uid('sha256:d3'), uid('sha256:d4'), uid('sha256:d5')];

      await ctx.store.blobPins.pin(running.id, [d1, d2, d1]);
      await ctx.store.blobPins.pin(running.id, [d2, d1]); // pinned again: no error
      await ctx.store.blobPins.pin(finishing.id, [d2, d3]);
      await ctx.store.blobPins.pin(queued.id, [d4]);
      await ctx.store.blobPins.pin(uid('exec-gone'), [d5]); // an execution that does not exist
      await ctx.store.blobPins.pin(running.id, []);

      const mine = (s: Set<string>) => [d1, d2, d3, d4, d5].filter((d) => s.has(d));
      assert.deepEqual(mine(await ctx.store.blobPins.activeDigests()), [d1, d2, d3, d4]);

      assert.equal(await ctx.store.executions.update(scope, finishing.id, { status: 'SUCCESS', message: 'done' }), true);
      assert.deepEqual(mine(await ctx.store.blobPins.activeDigests()), [d1, d2, d4], 'a terminal execution\'s pins no longer count (d2 stays: running pins it too)');

      await ctx.store.blobPins.unpin(running.id);
      assert.deepEqual(mine(await ctx.store.blobPins.activeDigests()), [d4]);
      await ctx.store.blobPins.unpin(running.id); // again: nothing to do

      assert.equal(await ctx.store.executions.update(scope, queued.id, { status: 'CANCELLED', message: 'cancelled' }), true);
      assert.deepEqual(mine(await ctx.store.blobPins.activeDigests()), []);
    });
  });

  describe('images.allManifestDigests', () => {
    it('lists the manifest of every image of every account and region', async () => {
      const a = newScope();
      const aBeijing = { ...a, regionId: 'cn-beijing' };
      const b = newScope('cn-shanghai');
      const [m1, m2, m3] = [uid('sha256:m1'), uid('sha256:m2'), uid('sha256:m3')];
      await ctx.store.images.insert(image(a, m1));
      await ctx.store.images.insert(image(aBeijing, m2));
      await ctx.store.images.insert(image(b, m3));
      await ctx.store.images.insert(image(b, m1)); // two images of one manifest
      const all = await ctx.store.images.allManifestDigests();
      assert.deepEqual([m1, m2, m3].filter((m) => all.includes(m)), [m1, m2, m3]);
      assert.ok(all.every((d) => typeof d === 'string' && d.length > 0), 'no empty or missing digests');

      const gone = image(a, uid('sha256:gone'));
      await ctx.store.images.insert(gone);
      assert.ok((await ctx.store.images.allManifestDigests()).includes(gone.manifestDigest!));
      assert.equal(await ctx.store.images.delete(a, gone.imageId), true);
      assert.ok(!(await ctx.store.images.allManifestDigests()).includes(gone.manifestDigest!), 'a deleted image no longer holds its manifest');
    });
  });
}
