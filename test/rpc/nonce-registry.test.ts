import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryNonceRegistry } from '../../src/api/rpc/nonce-registry.js';

const T0 = new Date('2026-11-29T07:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

test('a nonce is refused until it expires, then free again', () => {
  const r = new InMemoryNonceRegistry();
  assert.equal(r.claim('ak', 'n', at(15), at(0)), true);
  assert.equal(r.claim('ak', 'n', at(16), at(1)), false);
  assert.equal(r.claim('ak', 'n', at(29), at(14.99)), false);
  assert.equal(r.claim('ak', 'n', at(30), at(15)), true);
});

test('nonces are scoped to the access key', () => {
  const r = new InMemoryNonceRegistry();
  assert.equal(r.claim('a', 'n', at(15), at(0)), true);
  assert.equal(r.claim('b', 'n', at(15), at(0)), true);
  assert.equal(r.claim('a', 'n', at(15), at(0)), false);
});

test('keys cannot collide through the separator', () => {
  const r = new InMemoryNonceRegistry();
  assert.equal(r.claim('a', 'b\u0000c', at(15), at(0)), true);
  assert.equal(r.claim('a\u0000b', 'c', at(15), at(0)), true); // the AccessKey's length is part of the key
  assert.equal(r.claim('a:', 'b\u0000c', at(15), at(0)), true);
  assert.equal(r.claim('a', 'b\u0000c', at(15), at(0)), false);
});

test('expired records are swept incrementally, so memory follows the recent rate', () => {
  const r = new InMemoryNonceRegistry({ sweepPerClaim: 4 });
  for (let i = 0; i < 1000; i++) r.claim('ak', `old-${i}`, at(15), at(0));
  assert.equal(r.size, 1000);
  for (let i = 0; i < 400; i++) r.claim('ak', `new-${i}`, at(31), at(16));
  // each claim removed up to 4 expired records: 1000 old ones are gone after 250 claims
  assert.equal(r.size, 400);
});

test('the cap drops the oldest record and counts unexpired drops', () => {
  const r = new InMemoryNonceRegistry({ maxEntries: 3 });
  for (const n of ['a', 'b', 'c', 'd']) assert.equal(r.claim('ak', n, at(15), at(0)), true);
  assert.equal(r.size, 3);
  assert.equal(r.droppedUnexpired, 1);
  assert.equal(r.claim('ak', 'a', at(15), at(0)), true); // 'a' was dropped
  assert.equal(r.claim('ak', 'd', at(15), at(0)), false);
});

test('a long run sweeps expired nonces as it goes, so memory stays bounded by the window', () => {
  const r = new InMemoryNonceRegistry();
  // 200k claims over 20 minutes: the first quarter has expired by the end.
  for (let i = 0; i < 200_000; i++) assert.equal(r.claim('ak', `n-${i}`, at(15 + i / 10_000), at(i / 10_000)), true);
  assert.ok(r.size <= 150_000 + 1, `expired entries were swept (size ${r.size})`);
  assert.equal(r.droppedUnexpired, 0);
  assert.equal(r.claim('ak', 'n-0', at(35), at(20)), true, 'an expired nonce may be used again');
  assert.equal(r.claim('ak', 'n-199999', at(35), at(20)), false, 'a live nonce is still refused');
});
