import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessKeyCache, type CachedKey } from '../../src/api/rpc/access-key-cache.js';

function fixture(opts: { maxEntries?: number } = {}) {
  let now = 1_000;
  const keys = new Map<string, CachedKey>([['k1', { secret: 's1', accountId: 'a1', status: 'Active' }]]);
  const loads: string[] = [];
  const cache = new AccessKeyCache(async (id) => {
    loads.push(id);
    const k = keys.get(id);
    return k && { ...k };
  }, { ttlMs: 5_000, now: () => now, ...opts });
  return { cache, keys, loads, advance: (ms: number) => { now += ms; } };
}

test('a key is read from the store once per TTL; a status change shows after at most the TTL', async () => {
  const f = fixture();
  assert.equal((await f.cache.get('k1'))?.secret, 's1');
  f.keys.set('k1', { secret: 's1', accountId: 'a1', status: 'Inactive' });
  f.advance(4_999);
  assert.equal((await f.cache.get('k1'))?.status, 'Active', 'still the cached status within 5 s');
  f.advance(1);
  assert.equal((await f.cache.get('k1'))?.status, 'Inactive');
  assert.deepEqual(f.loads, ['k1', 'k1']);
});

test('unknown keys are not kept: a key created later works at once', async () => {
  const f = fixture();
  assert.equal(await f.cache.get('k2'), undefined);
  f.keys.set('k2', { secret: 's2', accountId: 'a2', status: 'Active' });
  assert.equal((await f.cache.get('k2'))?.secret, 's2');
  assert.deepEqual(f.loads, ['k2', 'k2']);
});

test('holds at most maxEntries keys, dropping the oldest', async () => {
  const f = fixture({ maxEntries: 2 });
  for (const id of ['a', 'b', 'c']) f.keys.set(id, { secret: id, accountId: id, status: 'Active' });
  await f.cache.get('a');
  await f.cache.get('b');
  await f.cache.get('c'); // drops 'a'
  f.loads.length = 0;
  await f.cache.get('b');
  await f.cache.get('c');
  await f.cache.get('a');
  assert.deepEqual(f.loads, ['a']);
});

test('by default a status change shows within 1 s (issue 11), and concurrent requests for a stale key share one read', async () => {
  let now = 1_000;
  const keys = new Map<string, CachedKey>([['k1', { secret: 's1', accountId: 'a1', status: 'Active' }]]);
  let loads = 0;
  const cache = new AccessKeyCache(async (id) => {
    loads++;
    await new Promise((r) => setImmediate(r));
    const k = keys.get(id);
    return k && { ...k };
  }, { now: () => now });
  const first = await Promise.all(Array.from({ length: 20 }, () => cache.get('k1')));
  assert.ok(first.every((k) => k?.status === 'Active'));
  assert.equal(loads, 1, 'twenty concurrent requests, one read');
  keys.set('k1', { secret: 's1', accountId: 'a1', status: 'Inactive' });
  now += 999;
  const later = await Promise.all(Array.from({ length: 20 }, () => cache.get('k1')));
  assert.ok(later.every((k) => k?.status === 'Inactive'), 'refused 999 ms after the change');
  assert.equal(loads, 2);
});
