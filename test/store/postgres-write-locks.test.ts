import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Repositories, Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { freshPostgres } from './fresh-databases.js';
import { minimalPipeline, newScope, uid, type Backend } from './helpers.js';

/*
 * PostgreSQL write transactions (store README, "Transactions"): READ COMMITTED, queued per
 * scope by the write locks of `src/store/write-locks.ts`. Two stores stand for two Kiln
 * processes (two pools). A transaction is "waiting" when PostgreSQL shows its advisory lock
 * request ungranted (polled, never slept on).
 */

let backend: Backend;
let a: Store;
let b: Store;
let admin: pg.Client;

before(async () => {
  backend = await freshPostgres();
  a = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
  b = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
  admin = new pg.Client({ connectionString: backend.url });
  await admin.connect();
});
after(async () => {
  await admin?.end();
  await a?.close();
  await b?.close();
  await backend?.dispose();
});

/** A transaction that does `first`, then stays open until `release()`. */
function heldOpen<T>(store: Store, first: (tx: Repositories) => Promise<T>): { done: Promise<T>; started: Promise<void>; release(): void } {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const startedP = new Promise<void>((r) => { started = r; });
  const done = store.transaction(async (tx) => {
    const out = await first(tx);
    started();
    await gate;
    return out;
  });
  return { done, started: startedP, release };
}

async function waitersOnLocks(): Promise<number> {
  const { rows } = await admin.query<{ n: string }>("select count(*) as n from pg_locks where locktype = 'advisory' and not granted");
  return Number(rows[0]!.n);
}

/** Resolves once `n` transactions wait for an advisory lock (polls pg_locks). */
async function untilWaiting(n: number): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if ((await waitersOnLocks()) >= n) return;
    await delay(5);
  }
  throw new Error(`no ${n} transaction(s) waiting for a lock after 10 s`);
}

test('writes in different scopes never wait for each other, across processes', async () => {
  const s1 = newScope();
  const s2 = newScope();
  const held = heldOpen(a, (tx) => tx.pipelines.insert(minimalPipeline(s1), []));
  await held.started;
  // Another process, another scope: commits while the first transaction is still open.
  await b.transaction(async (tx) => {
    assert.equal(await tx.pipelines.count(s2), 0);
    await tx.pipelines.insert(minimalPipeline(s2), []);
  });
  assert.equal(await b.pipelines.count(s2), 1);
  assert.equal(await b.pipelines.count(s1), 0, 'the open transaction is not committed yet');
  held.release();
  await held.done;
  assert.equal(await b.pipelines.count(s1), 1);
});

test('writes in one scope queue, and the waiter reads what the holder committed', async () => {
  const scope = newScope();
  const held = heldOpen(a, async (tx) => {
    const n = await tx.pipelines.count(scope);
    await tx.pipelines.insert(minimalPipeline(scope, { name: 'first' }), []);
    return n;
  });
  await held.started;
  const second = b.transaction(async (tx) => {
    const n = await tx.pipelines.count(scope);
    await tx.pipelines.insert(minimalPipeline(scope, { name: 'second' }), []);
    return n;
  });
  await untilWaiting(1);
  held.release();
  assert.equal(await held.done, 0);
  assert.equal(await second, 1, 'the second count ran after the first commit');
  const page = await a.pipelines.list({ ...scope }, { limit: 10 });
  assert.deepEqual(page.items.map((p) => p.name), ['first', 'second'], 'seq order is commit order');
});

test('one ClientToken from many transactions on two processes: one write, every caller gets its answer, even at the quota', async () => {
  const scope = newScope();
  const token = uid('token');
  const quota = 1;
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).transaction(async (tx) => {
    const seen = await tx.idempotency.get(scope.accountId, 'Create', token);
    if (seen) return seen.response;
    if (await tx.pipelines.count(scope) >= quota) return 'QuotaExceeded';
    const p = minimalPipeline(scope);
    await tx.pipelines.insert(p, []);
    await tx.idempotency.put(scope.accountId, 'Create', token, { paramsDigest: 'd', response: p.id });
    return p.id;
  })));
  assert.equal(new Set(results).size, 1, `one answer for all: ${[...new Set(results)].join(', ')}`);
  assert.notEqual(results[0], 'QuotaExceeded');
  assert.equal(await a.pipelines.count(scope), 1);
});

test('a lock needed out of order runs the transaction again with its locks taken first', async () => {
  const scope = newScope();
  let runs = 0;
  await a.transaction(async (tx) => {
    runs++;
    await tx.images.storageBytes(scope.accountId); // the account's lock: ordered after its scopes'
    await tx.pipelines.insert(minimalPipeline(scope), []);
  });
  assert.equal(runs, 2);
  assert.equal(await a.pipelines.count(scope), 1, 'written once');
  runs = 0;
  await a.transaction(async (tx) => {
    runs++;
    await tx.pipelines.insert(minimalPipeline(scope), []);
    await tx.images.storageBytes(scope.accountId);
  });
  assert.equal(runs, 1, 'in order: runs once');
});

test('an unlisted call runs under the global lock, which holds off every other writer until it ends', async () => {
  const scope = newScope();
  let runs = 0;
  const held = heldOpen(a, async (tx) => {
    runs++;
    await tx.pipelines.count(scope);
    await tx.accounts.insert({ id: uid('acct'), name: 'global', creationTime: '2024-01-01T00:00:00Z' });
  });
  await held.started;
  assert.equal(runs, 2, 'restarted to take the global lock first');
  const other = b.transaction((tx) => tx.pipelines.insert(minimalPipeline(newScope()), []));
  await untilWaiting(1);
  held.release();
  await held.done;
  await other;
  assert.equal(await waitersOnLocks(), 0);
});

test('two processes appending to one execution log at once: both land, numbered in turn (a lost worker and its successor)', async () => {
  const executionId = uid('exec');
  const line = (text: string) => [{ stream: 'system' as const, text, time: '2024-01-01T00:00:00Z' }];
  const held = heldOpen(a, (tx) => tx.executionLogs.append(executionId, line('old worker')));
  await held.started;
  const second = b.executionLogs.append(executionId, line('new worker'));
  // waiting for a lock of any kind: the write lock, or (without one) the first's uncommitted row
  for (let i = 0; ; i++) {
    const { rows } = await admin.query<{ n: string }>('select count(*) as n from pg_locks where not granted');
    if (Number(rows[0]!.n) >= 1) break;
    if (i > 2_000) throw new Error('the second append never waited');
    await delay(5);
  }
  held.release();
  await held.done;
  await second;
  assert.deepEqual((await a.executionLogs.read(executionId, 0, 10)).map((c) => [c.seq, c.text]), [[1, 'old worker'], [2, 'new worker']]);
});
