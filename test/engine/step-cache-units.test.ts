import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseChain, chainAfter, stepKey, type NormalizedStep } from '../../src/engine/cache/step-key.js';
import { entriesToEvict } from '../../src/engine/gc/lru-eviction.js';
import { cacheModeOf, STEP_CACHE_TAG, type StepCacheEntry } from '../../src/domain/step-cache.js';

const scope = { accountId: '1234567890', regionId: 'cn-hangzhou' };
const NOW = 1_767_225_600_000;
const HOUR = 3_600_000;

function entry(key: string, lastUsedAt: number, layerDigest: string | undefined, layerSize: number, tmpDigest?: string): StepCacheEntry {
  const e: StepCacheEntry = { ...scope, key, layerSize, createdAt: lastUsedAt, lastUsedAt };
  if (layerDigest !== undefined) e.layerDigest = layerDigest;
  if (tmpDigest !== undefined) e.tmpDigest = tmpDigest;
  return e;
}

const keys = (es: readonly StepCacheEntry[]) => es.map((e) => e.key);

describe('entriesToEvict', () => {
  it('evicts least recently used first until the bound is met, and no further', () => {
    const entries = [
      entry('new', NOW - 2 * HOUR, 'sha256:n', 100),
      entry('old', NOW - 9 * HOUR, 'sha256:o', 100),
      entry('mid', NOW - 5 * HOUR, 'sha256:m', 100),
      entry('older', NOW - 10 * HOUR, 'sha256:x', 100),
    ];
    const r = entriesToEvict(entries, 200, NOW, 0);
    assert.deepEqual(keys(r.evict), ['older', 'old']);
    assert.deepEqual(keys(r.keep).sort(), ['mid', 'new']);
    assert.equal(r.bytesBefore, 400);
    assert.equal(r.bytesAfter, 200);

    const r2 = entriesToEvict(entries, 199, NOW, 0);
    assert.deepEqual(keys(r2.evict), ['older', 'old', 'mid']);
    assert.equal(r2.bytesAfter, 100);
  });

  it('breaks ties of last use by key', () => {
    const entries = [entry('b', NOW - HOUR, 'sha256:b', 10), entry('a', NOW - HOUR, 'sha256:a', 10), entry('c', NOW - HOUR, 'sha256:c', 10)];
    assert.deepEqual(keys(entriesToEvict(entries, 10, NOW, 0).evict), ['a', 'b']);
  });

  it('counts a shared layer once and frees it only when its last user is evicted', () => {
    const entries = [
      entry('e1', NOW - 10 * HOUR, 'sha256:shared', 1000),
      entry('e2', NOW - 9 * HOUR, 'sha256:shared', 1000),
      entry('e3', NOW - 8 * HOUR, 'sha256:own', 50),
      entry('e4', NOW - 7 * HOUR, 'sha256:shared', 1000),
    ];
    const all = entriesToEvict(entries, 10_000, NOW, 0);
    assert.equal(all.bytesBefore, 1050, 'the shared layer counts once');
    assert.deepEqual(all.evict, []);

    // Bound 1000: evicting e1 and e2 frees nothing (e4 still uses the layer), e3 frees 50.
    const r = entriesToEvict(entries, 1000, NOW, 0);
    assert.deepEqual(keys(r.evict), ['e1', 'e2', 'e3']);
    assert.equal(r.bytesAfter, 1000);
    assert.deepEqual(keys(r.keep), ['e4']);

    // Bound 999: the layer goes only with its last user.
    const r2 = entriesToEvict(entries, 999, NOW, 0);
    assert.deepEqual(keys(r2.evict), ['e1', 'e2', 'e3', 'e4']);
    assert.equal(r2.bytesAfter, 0);
  });

  it('counts /tmp snapshots (one byte each, shared ones once) and entries without a layer as free', () => {
    const entries = [
      entry('user-check', NOW - 10 * HOUR, undefined, 0),
      entry('t1', NOW - 9 * HOUR, 'sha256:l1', 10, 'sha256:tmp'),
      entry('t2', NOW - 8 * HOUR, 'sha256:l2', 10, 'sha256:tmp'),
    ];
    const r = entriesToEvict(entries, 11, NOW, 0);
    assert.equal(r.bytesBefore, 21);
    assert.deepEqual(keys(r.evict), ['user-check', 't1']);
    assert.equal(r.bytesAfter, 11, 'the shared /tmp blob stays with t2');
  });

  it('counts a /tmp snapshot by its recorded size (a large /tmp is not one byte)', () => {
    const big = { ...entry('big-tmp', NOW - 9 * HOUR, 'sha256:l1', 10, 'sha256:tmp-big'), tmpSize: 5_000 };
    const small = entry('small', NOW - 8 * HOUR, 'sha256:l2', 10);
    const r = entriesToEvict([big, small], 100, NOW, 0);
    assert.equal(r.bytesBefore, 5_020);
    assert.deepEqual(keys(r.evict), ['big-tmp']);
    assert.equal(r.bytesAfter, 10);
  });

  it('never evicts entries used within the grace period, even past the bound', () => {
    const entries = [
      entry('stale', NOW - 3 * HOUR, 'sha256:s', 100),
      entry('recent1', NOW - 30 * 60_000, 'sha256:r1', 100),
      entry('recent2', NOW - 1_000, 'sha256:r2', 100),
    ];
    const r = entriesToEvict(entries, 0, NOW, HOUR);
    assert.deepEqual(keys(r.evict), ['stale']);
    assert.deepEqual(keys(r.keep), ['recent1', 'recent2']);
    assert.equal(r.bytesAfter, 200, 'the bound stays exceeded');
    assert.deepEqual(keys(entriesToEvict(entries, 0, NOW + HOUR / 2, HOUR).evict), ['stale', 'recent1'], 'once its grace has passed an entry goes; one still within it stays');
  });

  it('evicts nothing when the bound is already met', () => {
    const entries = [entry('a', NOW - 10 * HOUR, 'sha256:a', 100), entry('b', NOW - 9 * HOUR, 'sha256:b', 100)];
    for (const bound of [200, 1_000_000]) {
      const r = entriesToEvict(entries, bound, NOW, 0);
      assert.deepEqual(r.evict, []);
      assert.deepEqual(keys(r.keep), ['a', 'b']);
      assert.equal(r.bytesBefore, 200);
      assert.equal(r.bytesAfter, 200);
    }
    assert.deepEqual(entriesToEvict([], 0, NOW, 0), { evict: [], keep: [], bytesBefore: 0, bytesAfter: 0 });
  });
});

describe('step keys', () => {
  const base = baseChain(['sha256:l1', 'sha256:l2'], { env: ['PATH=/usr/bin'], user: 'root' });
  const exec: NormalizedStep = { op: 'exec', argv: ['/bin/sh', '-c', 'echo hi'], env: ['A=1', 'PATH=/usr/bin'], cwd: '/', user: 'root', keep: true, network: 'none' };

  it('are deterministic sha256 hex', () => {
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(baseChain(['sha256:l1', 'sha256:l2'], { env: ['PATH=/usr/bin'], user: 'root' }), base);
    const k = stepKey(base, exec);
    assert.match(k, /^[0-9a-f]{64}$/);
    assert.equal(stepKey(base, { ...exec, argv: [...exec.argv], env: [...exec.env] }), k);
    assert.equal(chainAfter(k, 'sha256:x', 'sha256:t'), chainAfter(k, 'sha256:x', 'sha256:t'));
  });

  it('baseChain depends on the base layers (and their order) and the config', () => {
    const variants = [
      baseChain(['sha256:l2', 'sha256:l1'], { env: ['PATH=/usr/bin'], user: 'root' }),
      baseChain(['sha256:l1'], { env: ['PATH=/usr/bin'], user: 'root' }),
      baseChain(['sha256:l1', 'sha256:l2'], { env: ['PATH=/bin'], user: 'root' }),
      baseChain(['sha256:l1', 'sha256:l2'], { env: ['PATH=/usr/bin'], user: 'nobody' }),
      baseChain([], {}),
    ];
    assert.equal(new Set([base, ...variants]).size, variants.length + 1);
  });

  it('any change of argv, env, cwd, user, keep or network, or of the parent chain, changes the key', () => {
    const k = stepKey(base, exec);
    const changed: NormalizedStep[] = [
      { ...exec, argv: ['/bin/sh', '-c', 'echo hi '] },
      { ...exec, argv: ['/bin/sh', '-c', 'echo', 'hi'] },
      { ...exec, argv: ['/bin/sh', '-c echo hi'] },
      { ...exec, env: ['A=2', 'PATH=/usr/bin'] },
      { ...exec, env: ['PATH=/usr/bin', 'A=1'] },
      { ...exec, env: ['PATH=/usr/bin'] },
      { ...exec, cwd: '/root' },
      { ...exec, user: '1000:1000' },
      { ...exec, keep: false },
      { ...exec, network: 'user' },
    ];
    const all = changed.map((s) => stepKey(base, s));
    for (const [i, other] of all.entries()) assert.notEqual(other, k, `variant ${i} has the same key`);
    assert.equal(new Set(all).size, all.length, 'variants differ from each other');

    const otherParent = baseChain(['sha256:l1', 'sha256:l3'], { env: ['PATH=/usr/bin'], user: 'root' });
    assert.notEqual(stepKey(otherParent, exec), k);
    assert.notEqual(stepKey(chainAfter(k, 'sha256:x', undefined), exec), k);
  });

  it('distinguishes step kinds, repair scripts and a repair with network', () => {
    const keysOf = [
      stepKey(base, { op: 'restart' }),
      stepKey(base, { op: 'repair', script: 'fix-a', network: 'none' }),
      stepKey(base, { op: 'repair', script: 'fix-b', network: 'none' }),
      stepKey(base, { op: 'repair', script: 'fix-a', network: 'user' }),
      stepKey(base, exec),
    ];
    assert.equal(new Set(keysOf).size, keysOf.length);
    assert.equal(stepKey(base, { op: 'repair', script: 'fix-a', network: 'none' }), keysOf[1]);
  });

  it('chainAfter depends on the key, the layer digest and the /tmp digest', () => {
    const k = stepKey(base, exec);
    const k2 = stepKey(base, { ...exec, cwd: '/tmp' });
    const chains = [
      chainAfter(k, 'sha256:layer', 'sha256:tmp'),
      chainAfter(k, 'sha256:layer2', 'sha256:tmp'),
      chainAfter(k, 'sha256:layer', 'sha256:tmp2'),
      chainAfter(k, 'sha256:layer', undefined),
      chainAfter(k, undefined, 'sha256:tmp'),
      chainAfter(k, undefined, undefined),
      chainAfter(k2, 'sha256:layer', 'sha256:tmp'),
    ];
    assert.equal(new Set(chains).size, chains.length);
    // A layer digest and a /tmp digest are not interchangeable.
    assert.notEqual(chainAfter(k, 'sha256:a', undefined), chainAfter(k, undefined, 'sha256:a'));
    assert.notEqual(chainAfter(k, 'sha256:a', 'sha256:b'), chainAfter(k, 'sha256:b', 'sha256:a'));
    // The chain after a step is not the step's key itself, and the next key depends on it.
    assert.ok(!chains.includes(k));
    assert.notEqual(stepKey(chains[0]!, exec), stepKey(chains[1]!, exec));
  });
});

describe('cacheModeOf', () => {
  const tag = (value: string) => ({ key: STEP_CACHE_TAG, value });

  it('is use without tags (or with unrelated or unknown ones)', () => {
    assert.equal(cacheModeOf([], []), 'use');
    assert.equal(cacheModeOf([{ key: 'env', value: 'off' }], [{ key: 'team', value: 'bypass' }]), 'use');
    assert.equal(cacheModeOf([tag('on')], [tag('')]), 'use');
    assert.equal(cacheModeOf([tag('bypass')], []), 'use', 'bypass on the template is not off');
  });

  it('is off when the template says off, whatever the execution says', () => {
    assert.equal(cacheModeOf([tag('off')], []), 'off');
    assert.equal(cacheModeOf([tag('off')], [tag('bypass')]), 'off');
    assert.equal(cacheModeOf([{ key: 'env', value: 'prod' }, tag('off')], [tag('use')]), 'off');
  });

  it('is refresh when the execution says bypass (or off)', () => {
    assert.equal(cacheModeOf([], [tag('bypass')]), 'refresh');
    assert.equal(cacheModeOf([tag('on')], [tag('bypass')]), 'refresh');
    assert.equal(cacheModeOf([], [tag('off')]), 'refresh');
  });

  it('tolerates case and whitespace in the value', () => {
    assert.equal(cacheModeOf([tag(' OFF ')], []), 'off');
    assert.equal(cacheModeOf([tag('Off\n')], [tag('bypass')]), 'off');
    assert.equal(cacheModeOf([], [tag('\tByPass ')]), 'refresh');
    assert.equal(cacheModeOf([], [tag('BYPASS')]), 'refresh');
  });
});
