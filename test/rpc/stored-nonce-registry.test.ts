import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SignatureNonceRepository, Store } from '../../src/domain/ports.js';
import { StoredNonceRegistry } from '../../src/api/rpc/stored-nonce-registry.js';
import { createStore } from '../../src/store/create-store.js';

/* The server's nonce registry on a real (in-memory SQLite) store, with the store calls counted. */

const T0 = new Date('2026-11-29T07:13:06Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const WINDOW = 15 * 60_000;

let store: Store;
before(async () => {
  store = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
});
after(async () => {
  await store.close();
});

/** The store's repository, counting calls; `prunes` can be held open to see overlapping. */
function counted() {
  const calls = { claim: 0, prune: 0, pruneArgs: [] as Array<[number, number]> };
  let hold: Promise<void> | undefined;
  const repo: SignatureNonceRepository = {
    claim: (...args) => { calls.claim++; return store.signatureNonces.claim(...args); },
    pruneExpired: async (now, limit) => {
      calls.prune++;
      calls.pruneArgs.push([now, limit]);
      await hold;
      return store.signatureNonces.pruneExpired(now, limit);
    },
  };
  return { repo, calls, holdPrunes: (p: Promise<void>) => { hold = p; } };
}

test('a nonce is claimed once; the replay to the same process is refused without asking the store', async () => {
  const { repo, calls } = counted();
  const r = new StoredNonceRegistry(repo);
  assert.equal(await r.claim('ak-1', 'n-1', at(WINDOW), at(0)), true);
  assert.equal(calls.claim, 1);
  assert.equal(await r.claim('ak-1', 'n-1', at(WINDOW), at(1_000)), false);
  assert.equal(calls.claim, 1, 'the memo answered');
  await r.close();
});

test('the store is the authority: a nonce claimed through another registry (process) is refused', async () => {
  const a = new StoredNonceRegistry(store.signatureNonces);
  const b = new StoredNonceRegistry(store.signatureNonces);
  assert.equal(await a.claim('ak-2', 'n-1', at(WINDOW), at(0)), true);
  assert.equal(await b.claim('ak-2', 'n-1', at(WINDOW), at(0)), false);
  assert.equal(await b.claim('ak-2', 'n-1', at(WINDOW), at(0)), false, 'a lost claim is not memoized as won');
  await a.close();
  await b.close();
});

test('expired records are pruned at most every pruneEveryMs, one prune at a time, again at once when a prune was full', async () => {
  const { repo, calls, holdPrunes } = counted();
  let release!: () => void;
  holdPrunes(new Promise<void>((resolve) => { release = resolve; }));
  const r = new StoredNonceRegistry(repo, { pruneEveryMs: 10_000, pruneBatch: 2 });
  for (let i = 0; i < 5; i++) assert.equal(await r.claim('ak-3', `old-${i}`, at(1_000), at(0)), true);
  assert.equal(calls.prune, 1, 'the first claim prunes what expired while the server was down; the others wait for it');
  release();
  await r.close();

  // Records are pruned a whole window after they expired (other processes' clocks may lag).
  const r2 = new StoredNonceRegistry(repo, { pruneEveryMs: 10_000, pruneBatch: 2 });
  const before = calls.prune;
  const later = (ms: number) => at(WINDOW + ms);
  await r2.claim('ak-3', 'young-1', later(WINDOW), later(20_000)); // prunes 2 of the 5 expired: full
  await new Promise((resolve) => setImmediate(resolve));
  await r2.claim('ak-3', 'young-2', later(WINDOW), later(20_001)); // full, so again at once
  await new Promise((resolve) => setImmediate(resolve));
  await r2.claim('ak-3', 'young-3', later(WINDOW), later(20_002)); // the last one
  await new Promise((resolve) => setImmediate(resolve));
  await r2.claim('ak-3', 'young-4', later(WINDOW), later(20_003)); // not full: waits pruneEveryMs
  await r2.close();
  assert.equal(calls.prune - before, 3);
  assert.deepEqual(calls.pruneArgs.slice(before).map(([cutoff]) => cutoff), [20_000, 20_001, 20_002].map((ms) => at(ms).getTime()));
  // All five expired records are gone: a claim made before their expiry finds them free.
  for (let i = 0; i < 5; i++) assert.equal(await store.signatureNonces.claim('ak-3', `old-${i}`, at(1_000).getTime(), at(0).getTime()), true);
});

test('a record is not pruned until it expired a whole window ago, whatever this process\'s clock says', async () => {
  const { repo } = counted();
  assert.equal(await store.signatureNonces.claim('ak-4', 'n-1', at(WINDOW).getTime(), at(0).getTime()), true);
  const ahead = new StoredNonceRegistry(repo);
  await ahead.claim('ak-4', 'n-2', at(3 * WINDOW), at(2 * WINDOW - 1)); // prunes up to at(WINDOW - 1)
  await ahead.close();
  assert.equal(await store.signatureNonces.claim('ak-4', 'n-1', at(WINDOW).getTime(), at(0).getTime()), false, 'kept');
  const later = new StoredNonceRegistry(repo);
  await later.claim('ak-4', 'n-3', at(3 * WINDOW), at(2 * WINDOW)); // prunes up to at(WINDOW)
  await later.close();
  assert.equal(await store.signatureNonces.claim('ak-4', 'n-1', at(WINDOW).getTime(), at(0).getTime()), true, 'pruned');
});
