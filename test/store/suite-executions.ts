import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Execution } from '../../src/domain/execution.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import { minimalPipeline, newScope, uid, type SuiteContext } from './helpers.js';

function execution(scope: Scope, pipelineId: string, over: Partial<Execution> = {}): Execution {
  return {
    id: uid('exec'),
    pipelineId,
    accountId: scope.accountId,
    regionId: scope.regionId,
    status: 'PREPARING',
    message: 'queued',
    resourceGroupId: 'rg-default',
    tags: [],
    creationTime: '2026-11-29T08:00:00Z',
    modifiedTime: '2026-11-29T08:00:00Z',
    ...over,
  };
}

const GiB = 1024 ** 3;

/**
 * Resolves once the store's clock is past `t`: leases and queue times are this process's
 * `Date.now()` (the repositories read it, on SQLite and PostgreSQL alike).
 */
async function clockPast(t: number): Promise<void> {
  while (Date.now() <= t) await sleep(1);
}

/** Inserts executions one after the other (distinct queue times, oldest first). */
async function queue(store: Store, ...executions: Execution[]): Promise<void> {
  for (const e of executions) {
    await store.executions.insert(e);
    await clockPast(Date.now());
  }
}

/** A lease that holds for the whole of a test, however slow the database. */
const HELD_MS = 60_000;

/** A template of `scope` with the given SystemDiskSize, stored. */
async function template(store: Store, scope: Scope, systemDiskSize = 40): Promise<string> {
  const p = minimalPipeline(scope, { systemDiskSize });
  await store.pipelines.insert(p, []);
  return p.id;
}

/** Ends a claimed execution the way a worker does: a terminal status, then the lease given up. */
async function end(store: Store, e: Execution, worker: string): Promise<void> {
  await store.executions.update({ accountId: e.accountId, regionId: e.regionId }, e.id, { status: 'SUCCESS' });
  await store.executions.release(e.id, worker);
}

/** Claims until the queue is empty, returning the ids claimed (of every test's executions). */
async function drain(store: Store, worker: string, leaseMs = 60_000): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const claimed = await store.executions.claim(worker, leaseMs);
    if (!claimed) return ids;
    ids.push(claimed.execution.id);
  }
}

export function executionTests(ctx: SuiteContext): void {
  describe('executions', () => {
    it('round-trip, list with filters and paging, activeFor', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope);
      await ctx.store.pipelines.insert(p, []);
      const a = execution(scope, p.id, { status: 'SUCCESS', imageId: 'm-1', tags: [{ key: 'env', value: 'dev' }, { key: 'team', value: '' }] });
      const b = execution(scope, p.id, { status: 'FAILED', errorCode: 'BuildCommandFailed', errorInfo: 'line 2: exit 1' });
      const c = execution(scope, p.id);
      for (const e of [a, b, c]) await ctx.store.executions.insert(e);
      assert.deepStrictEqual(await ctx.store.executions.get(scope, a.id), a);
      assert.deepStrictEqual(await ctx.store.executions.get(scope, b.id), b);
      assert.equal(await ctx.store.executions.get(newScope(), a.id), undefined, 'another account sees nothing');

      const all = await ctx.store.executions.list({ ...scope, pipelineId: p.id }, { limit: 2 });
      assert.deepEqual(all.items.map((e) => e.id), [a.id, b.id]);
      assert.equal(all.totalCount, 3);
      const rest = await ctx.store.executions.list({ ...scope, pipelineId: p.id }, { limit: 2, afterSeq: all.nextAfterSeq! });
      assert.deepEqual(rest.items.map((e) => e.id), [c.id]);
      assert.equal(rest.nextAfterSeq, undefined);

      const failedOrRunning = await ctx.store.executions.list({ ...scope, statuses: ['FAILED', 'PREPARING'] }, { limit: 10 });
      assert.deepEqual(failedOrRunning.items.map((e) => e.id), [b.id, c.id]);
      const tagged = await ctx.store.executions.list({ ...scope, tags: [{ key: 'env', value: 'dev' }] }, { limit: 10 });
      assert.deepEqual(tagged.items.map((e) => e.id), [a.id]);
      const byIds = await ctx.store.executions.list({ ...scope, executionIds: [c.id, a.id] }, { limit: 10 });
      assert.deepEqual(byIds.items.map((e) => e.id), [a.id, c.id]);

      assert.equal((await ctx.store.executions.activeFor(scope, p.id))?.id, c.id);
    });

    it('newest first across templates: keyset pages backwards, with a status filter, never another scope\'s rows', async () => {
      const scope = newScope();
      const [p, q] = [minimalPipeline(scope), minimalPipeline(scope)];
      for (const t of [p, q]) await ctx.store.pipelines.insert(t, []);
      // Same CreationTime on purpose: the creation order (the scope's sequence) decides.
      const made = [
        execution(scope, p.id, { status: 'SUCCESS' }), execution(scope, q.id, { status: 'FAILED' }),
        execution(scope, p.id, { status: 'FAILED' }), execution(scope, q.id, { status: 'SUCCESS' }), execution(scope, p.id),
      ];
      for (const e of made) await ctx.store.executions.insert(e);
      await ctx.store.executions.insert(execution(newScope(), p.id));
      const newest = made.map((e) => e.id).reverse();

      const first = await ctx.store.executions.list({ ...scope }, { limit: 2, order: 'desc' });
      assert.deepEqual([first.items.map((e) => e.id), first.totalCount], [newest.slice(0, 2), 5]);
      const second = await ctx.store.executions.list({ ...scope }, { limit: 2, order: 'desc', afterSeq: first.nextAfterSeq! });
      const last = await ctx.store.executions.list({ ...scope }, { limit: 2, order: 'desc', afterSeq: second.nextAfterSeq! });
      assert.deepEqual([second.items.map((e) => e.id), last.items.map((e) => e.id), last.nextAfterSeq], [newest.slice(2, 4), newest.slice(4), undefined]);

      const failed = await ctx.store.executions.list({ ...scope, statuses: ['FAILED'] }, { limit: 1, order: 'desc' });
      assert.deepEqual([failed.items.map((e) => e.id), failed.totalCount], [[made[2]!.id], 2]);
      const older = await ctx.store.executions.list({ ...scope, statuses: ['FAILED'] }, { limit: 1, order: 'desc', afterSeq: failed.nextAfterSeq! });
      assert.deepEqual([older.items.map((e) => e.id), older.nextAfterSeq], [[made[1]!.id], undefined]);
    });

    it('update applies a patch only from the allowed statuses and ends activity at a terminal status', async () => {
      const scope = newScope();
      const e = execution(scope, uid('ip'));
      await ctx.store.executions.insert(e);
      assert.equal(await ctx.store.executions.update(scope, e.id, { status: 'CANCELLING' }, ['TESTING']), false);
      assert.equal(await ctx.store.executions.update(scope, e.id, { status: 'BUILDING', message: 'building' }, ['PREPARING']), true);
      assert.equal(await ctx.store.executions.update(newScope(), e.id, { status: 'FAILED' }), false, 'another account cannot touch it');
      assert.equal(await ctx.store.executions.update(scope, e.id, { status: 'FAILED', errorCode: 'X', errorInfo: 'why' }), true);
      const got = await ctx.store.executions.get(scope, e.id);
      assert.equal(got?.status, 'FAILED');
      assert.equal(got?.errorCode, 'X');
      assert.equal(await ctx.store.executions.activeFor(scope, e.pipelineId), undefined);
    });

    it('two workers claiming at once never take the same execution', async () => {
      const scope = newScope();
      const mine = [execution(scope, uid('ip')), execution(scope, uid('ip')), execution(scope, uid('ip')), execution(scope, uid('ip'))];
      for (const e of mine) await ctx.store.executions.insert(e);
      const other = await ctx.open();
      try {
        const [w1, w2] = await Promise.all([drain(ctx.store, 'w1'), drain(other, 'w2')]);
        const ours = new Set(mine.map((e) => e.id));
        const claimed = [...w1, ...w2].filter((id) => ours.has(id));
        assert.equal(claimed.length, mine.length, 'each of ours was claimed');
        assert.equal(new Set(claimed).size, mine.length, 'and none twice');
        assert.equal(new Set([...w1, ...w2]).size, w1.length + w2.length, 'no execution of any test was claimed twice');
      } finally {
        await other.close();
      }
    });

    it('a lease is renewed by its holder only, and an expired lease is taken back with a higher attempt', async () => {
      const scope = newScope();
      const e = execution(scope, uid('ip'));
      await ctx.store.executions.insert(e);
      await drain(ctx.store, 'other-tests', 60_000); // clear older work of other tests
      // Ours was claimed by the drain above with a long lease; release it and claim it short.
      await ctx.store.executions.release(e.id, 'other-tests');
      const first = await ctx.store.executions.claim('w-short', HELD_MS);
      assert.equal(first?.execution.id, e.id);
      const attempt = first!.attempt;
      assert.equal(await ctx.store.executions.renew(e.id, 'w-intruder', HELD_MS), undefined);
      assert.equal(await ctx.store.executions.renew(e.id, 'w-short', HELD_MS), 'PREPARING');
      assert.equal(await ctx.store.executions.claim('w-second', HELD_MS), undefined, 'a held lease is not claimable');
      await ctx.store.executions.update(scope, e.id, { status: 'CANCELLING' });
      assert.equal(await ctx.store.executions.renew(e.id, 'w-short', HELD_MS), 'CANCELLING', 'renew reports a cancel request');
      // The holder's last renewal is for 1 ms: once the store's clock is past it, the lease has run out.
      assert.equal(await ctx.store.executions.renew(e.id, 'w-short', 1), 'CANCELLING');
      await clockPast(Date.now() + 1);
      const again = await ctx.store.executions.claim('w-second', HELD_MS);
      assert.equal(again?.execution.id, e.id, 'the expired lease was taken back');
      assert.equal(again!.attempt, attempt + 1);
      assert.equal(await ctx.store.executions.renew(e.id, 'w-short', HELD_MS), undefined, 'the lost worker no longer holds it');
      await ctx.store.executions.update(scope, e.id, { status: 'CANCELLED' });
      await ctx.store.executions.release(e.id, 'w-second');
      assert.equal(await ctx.store.executions.claim('w-third', 60_000), undefined, 'a terminal execution is never claimed');
    });

    it('claims take turns across accounts: fewest running first, then the account served longest ago', async () => {
      await drain(ctx.store, 'other-tests');
      const a = newScope();
      const b = newScope();
      const [a1, a2, a3] = [execution(a, uid('ip')), execution(a, uid('ip')), execution(a, uid('ip'))];
      const [b1, b2, b3] = [execution(b, uid('ip')), execution(b, uid('ip')), execution(b, uid('ip'))];
      // A queued all of its builds before B queued any: arrival order would serve A three times first.
      await queue(ctx.store, a1, a2, a3, b1, b2, b3);
      const order: string[] = [];
      for (let i = 0; i < 6; i++) order.push((await ctx.store.executions.claim('w-fair', 60_000, {}))?.execution.id ?? 'none');
      assert.deepEqual(order, [a1.id, b1.id, a2.id, b2.id, a3.id, b3.id]);
      assert.equal(await ctx.store.executions.claim('w-fair', 60_000, {}), undefined);
    });

    it('the per-account limit holds across claims; an account at its limit waits while others are served', async () => {
      await drain(ctx.store, 'other-tests');
      const a = newScope();
      const b = newScope();
      const [a1, a2, b1] = [execution(a, uid('ip')), execution(a, uid('ip')), execution(b, uid('ip'))];
      await queue(ctx.store, a1, a2, b1);
      const policy = { maxRunningPerAccount: 1 };
      const first = await ctx.store.executions.claim('w-limit', 60_000, policy);
      assert.equal(first?.execution.id, a1.id);
      assert.equal((await ctx.store.executions.claim('w-limit', 60_000, policy))?.execution.id, b1.id, 'B passes A, which is at its limit');
      assert.equal(await ctx.store.executions.claim('w-limit', 60_000, policy), undefined, 'A2 waits: A runs one build already');
      await end(ctx.store, a1, 'w-limit');
      assert.equal((await ctx.store.executions.claim('w-limit', 60_000, policy))?.execution.id, a2.id, 'once A1 ended, A2 goes');
    });

    it('an execution of a lost worker is taken back first, whatever the per-account limit', async () => {
      await drain(ctx.store, 'other-tests');
      const a = newScope();
      const [a1, a2] = [execution(a, uid('ip')), execution(a, uid('ip'))];
      await queue(ctx.store, a1, a2);
      assert.equal((await ctx.store.executions.claim('w-lost', 100, { maxRunningPerAccount: 1 }))?.execution.id, a1.id);
      await clockPast(Date.now() + 100); // the lease taken before now for 100 ms has run out
      const back = await ctx.store.executions.claim('w-next', 60_000, { maxRunningPerAccount: 1 });
      assert.equal(back?.execution.id, a1.id);
      assert.equal(back?.attempt, 2);
      assert.equal(await ctx.store.executions.claim('w-next', 60_000, { maxRunningPerAccount: 1 }), undefined, 'A2 waits for A1 to end');
      await end(ctx.store, a1, 'w-next');
      assert.equal((await ctx.store.executions.claim('w-next', 60_000, { maxRunningPerAccount: 1 }))?.execution.id, a2.id);
    });

    it('host disk admission: SystemDiskSizes on one host never exceed its capacity; a disk bigger than the capacity is claimed to be failed', async () => {
      await drain(ctx.store, 'other-tests');
      const a = newScope();
      const b = newScope();
      const c = newScope();
      const [a1, a2] = [execution(a, await template(ctx.store, a, 40)), execution(a, await template(ctx.store, a, 40))];
      const big = execution(b, await template(ctx.store, b, 120));
      const other = execution(c, await template(ctx.store, c, 40));
      await queue(ctx.store, a1, a2, big, other);
      const host = (pool: string) => ({ disk: { pool, capacityBytes: 50 * GiB, ceilingBytes: 50 * GiB } });

      const first = await ctx.store.executions.claim('w-disk', 60_000, host('host-1'));
      assert.equal(first?.execution.id, a1.id);
      assert.equal(first?.exceedsHostDisk, undefined);
      const tooBig = await ctx.store.executions.claim('w-disk', 60_000, host('host-1'));
      assert.equal(tooBig?.execution.id, big.id, 'B\'s turn: its 120 GiB could never fit in 50 GiB, so it is claimed to be failed');
      assert.deepEqual(tooBig?.exceedsHostDisk, { diskGiB: 120, ceilingBytes: 50 * GiB });
      assert.equal(await ctx.store.executions.claim('w-disk', 60_000, host('host-1')), undefined, '40 + 40 GiB do not fit in 50: A2 and C wait');
      assert.deepEqual(await ctx.store.executions.runningOn('host-1'), [a1.id], 'the too-big one holds no disk');

      const elsewhere = await ctx.store.executions.claim('w-disk-2', 60_000, host('host-2'));
      assert.equal(elsewhere?.execution.id, other.id, 'another host has room (C: fewer running than A)');
      assert.deepEqual(await ctx.store.executions.runningOn('host-2'), [other.id]);

      await end(ctx.store, a1, 'w-disk');
      assert.deepEqual(await ctx.store.executions.runningOn('host-1'), []);
      assert.equal((await ctx.store.executions.claim('w-disk', 60_000, host('host-1')))?.execution.id, a2.id, 'A1 ended: A2 fits');
    });

    it('host disk admission: a build that fits the host\'s disk but not its free space waits, never fails (stored data of other tenants, a disk below the reserve)', async () => {
      await drain(ctx.store, 'other-tests');
      const a = newScope();
      const b = newScope();
      const waiting = execution(a, await template(ctx.store, a, 40));
      const small = execution(b, await template(ctx.store, b, 20));
      await queue(ctx.store, waiting, small);
      // The filesystem could hold 100 GiB of build disks, but stored layers, cache blobs and
      // imports (another tenant's, say) leave 30 GiB free now.
      const host = (capacityGiB: number) => ({ disk: { pool: 'host-full', capacityBytes: capacityGiB * GiB, ceilingBytes: 100 * GiB } });

      const first = await ctx.store.executions.claim('w-full', 60_000, host(30));
      assert.equal(first?.execution.id, small.id, 'A\'s 40 GiB waits for space; B\'s 20 GiB fits now');
      assert.equal(first?.exceedsHostDisk, undefined);
      assert.equal(await ctx.store.executions.claim('w-full', 60_000, host(30)), undefined, 'A is not claimed to be failed: it waits');
      await end(ctx.store, small, 'w-full');
      assert.equal(await ctx.store.executions.claim('w-full', 60_000, host(-2)), undefined, 'free space below the reserve: still waits');
      const freed = await ctx.store.executions.claim('w-full', 60_000, host(45));
      assert.equal(freed?.execution.id, waiting.id, 'space freed: A goes');
      assert.equal(freed?.exceedsHostDisk, undefined);
    });

    it('host disk admission: a build passed over `holdAfter` times holds its room; smaller builds stop taking it', async () => {
      await drain(ctx.store, 'other-tests');
      const [r, big, s] = [newScope(), newScope(), newScope()];
      const running = execution(r, await template(ctx.store, r, 30));
      const large = execution(big, await template(ctx.store, big, 40));
      const [s1, s2, s3] = [execution(s, await template(ctx.store, s, 20)), execution(s, await template(ctx.store, s, 20)), execution(s, await template(ctx.store, s, 20))];
      const host = { disk: { pool: 'host-hold', capacityBytes: 50 * GiB, ceilingBytes: 50 * GiB, holdAfter: 2 } };
      const claim = async () => (await ctx.store.executions.claim('w-hold', 60_000, host))?.execution.id;
      await queue(ctx.store, running);
      assert.equal(await claim(), running.id);
      await queue(ctx.store, large, s1, s2, s3);

      assert.equal(await claim(), s1.id, '30 + 40 GiB do not fit in 50: the large build is passed over (1)');
      await end(ctx.store, running, 'w-hold');
      assert.equal(await claim(), s2.id, '20 + 40 GiB do not fit: passed over again (2)');
      await end(ctx.store, s1, 'w-hold');
      assert.equal(await claim(), undefined, 's3 would fit beside s2, but the room is held for the large build');
      await end(ctx.store, s2, 'w-hold');
      assert.equal(await claim(), large.id, 'the room is free: the large build goes');
      assert.equal(await claim(), undefined, '40 + 20 GiB do not fit');
      await end(ctx.store, large, 'w-hold');
      assert.equal(await claim(), s3.id);
    });

    it('host disk admission: a build waiting for stored data to be freed (not for running builds) holds nothing', async () => {
      await drain(ctx.store, 'other-tests');
      const [big, s] = [newScope(), newScope()];
      const large = execution(big, await template(ctx.store, big, 40));
      const [s1, s2, s3] = [execution(s, await template(ctx.store, s, 20)), execution(s, await template(ctx.store, s, 20)), execution(s, await template(ctx.store, s, 20))];
      await queue(ctx.store, large, s1, s2, s3);
      // 30 GiB free with nothing running: ending builds would not make room for 40 GiB, so
      // holding it would stop the host until an operator frees space.
      const host = { disk: { pool: 'host-stored', capacityBytes: 30 * GiB, ceilingBytes: 100 * GiB, holdAfter: 1 } };
      for (const next of [s1, s2, s3]) {
        const got = await ctx.store.executions.claim('w-stored', 60_000, host);
        assert.equal(got?.execution.id, next.id);
        await end(ctx.store, next, 'w-stored');
      }
      assert.equal(await ctx.store.executions.claim('w-stored', 60_000, host), undefined, 'the large build still waits');
    });

    it('concurrent claims from two stores never pass the per-account limit together', async () => {
      await drain(ctx.store, 'other-tests');
      const a = newScope();
      const mine = [execution(a, uid('ip')), execution(a, uid('ip')), execution(a, uid('ip')), execution(a, uid('ip'))];
      await queue(ctx.store, ...mine);
      const other = await ctx.open();
      try {
        const policy = { maxRunningPerAccount: 1 };
        const got = await Promise.all([ctx.store, other, ctx.store, other, ctx.store, other].map((s, i) => s.executions.claim(`w-race-${i}`, 60_000, policy)));
        const claimed = got.filter((c) => c !== undefined).map((c) => c.execution.id);
        assert.deepEqual(claimed, [mine[0]!.id], 'exactly one, the oldest');
      } finally {
        await other.close();
      }
    });

    it('logs append in order and read from a position; deleteForPipeline removes executions, tags and logs', async () => {
      const scope = newScope();
      const pipelineId = uid('ip');
      const e = execution(scope, pipelineId, { status: 'SUCCESS', tags: [{ key: 'k', value: 'v' }] });
      await ctx.store.executions.insert(e);
      await ctx.store.executionLogs.append(e.id, [
        { stream: 'system', text: 'step 1\n', time: '2026-11-29T08:00:00Z' },
        { stream: 'stdout', text: 'hello\n', time: '2026-11-29T08:00:01Z' },
      ]);
      await ctx.store.executionLogs.append(e.id, [{ stream: 'stderr', text: 'warn\n', time: '2026-11-29T08:00:02Z' }]);
      const all = await ctx.store.executionLogs.read(e.id, 0, 100);
      assert.deepEqual(all.map((c) => [c.seq, c.stream, c.text]), [[1, 'system', 'step 1\n'], [2, 'stdout', 'hello\n'], [3, 'stderr', 'warn\n']]);
      assert.deepEqual((await ctx.store.executionLogs.read(e.id, 2, 100)).map((c) => c.seq), [3]);
      assert.deepEqual((await ctx.store.executionLogs.read(e.id, 0, 1)).map((c) => c.seq), [1]);

      await ctx.store.executions.deleteForPipeline(scope, pipelineId);
      assert.equal(await ctx.store.executions.get(scope, e.id), undefined);
      assert.deepEqual(await ctx.store.executionLogs.read(e.id, 0, 100), []);
      assert.equal((await ctx.store.executions.list(scope, { limit: 10 })).totalCount, 0);
    });
  });
}
