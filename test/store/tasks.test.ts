import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newTaskId } from '../../src/domain/ids.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import type { Task, TaskAction } from '../../src/domain/task.js';
import { ecsTime } from '../../src/domain/time.js';
import { createStore } from '../../src/store/create-store.js';
import { StoreRecordError } from '../../src/store/records/record-error.js';
import { FRESH_DATABASES } from './fresh-databases.js';
import { newScope } from './helpers.js';
import type { Backend } from './helpers.js';

function waiting(scope: Scope, over: Partial<Task> = {}): Task {
  return {
    taskId: newTaskId(), accountId: scope.accountId, regionId: scope.regionId, action: 'ExportImage', status: 'Waiting',
    progress: 0, supportCancel: true, cancelRequested: false, creationTime: ecsTime(), resourceId: 'm-abc',
    request: { imageId: 'm-abc', format: 'qcow2', nested: { n: [1, 2] } }, successCount: 0, failedCount: 0, ...over,
  };
}

/** Claims every claimable task of the database (each test leaves none behind for the next). */
async function drain(store: Store, workerId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let c = await store.tasks.claim(workerId, 60_000); c; c = await store.tasks.claim(workerId, 60_000)) {
    ids.push(c.task.taskId);
    assert.ok(await store.tasks.finish(c.task.taskId, workerId, { status: 'Finished' }));
  }
  return ids;
}

for (const [name, fresh] of FRESH_DATABASES) {
  describe(`tasks store on ${name}`, () => {
    let backend: Backend;
    let store: Store;
    before(async () => {
      backend = await fresh();
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
    });
    after(async () => {
      await store?.close();
      await backend?.dispose();
    });

    it('keeps a task with its request, in its account and region only', async () => {
      const scope = newScope();
      const t = waiting(scope, { action: 'ImportImage' });
      await store.tasks.insert(t);
      assert.deepEqual(await store.tasks.get(scope, t.taskId), t);
      assert.equal(await store.tasks.get(newScope(), t.taskId), undefined);
      assert.equal(await store.tasks.get({ ...scope, regionId: 'cn-beijing' }, t.taskId), undefined);
      assert.equal((await store.tasks.list({ ...newScope(), taskIds: [t.taskId] }, { pageNumber: 1, pageSize: 10 })).totalCount, 0);
      assert.equal(await store.tasks.requestCancel(newScope(), t.taskId), 'not-found');
      assert.equal(await store.tasks.requestCancel(scope, t.taskId), 'cancelled');
    });

    it('lists newest first with DescribeTasks\' filters and pages', async () => {
      const scope = newScope();
      const actions: TaskAction[] = ['ExportImage', 'ImportImage', 'CopyImage', 'ExportImage', 'ExportImage'];
      const made: Task[] = [];
      for (const [i, action] of actions.entries()) {
        const t = waiting(scope, { action, resourceId: `m-${i}`, creationTime: `2026-01-0${i + 1}T00:00:00Z`, status: action === 'CopyImage' ? 'Finished' : 'Waiting' });
        await store.tasks.insert(t);
        made.push(t);
      }
      const ids = (p: { items: Task[] }) => p.items.map((t) => t.taskId);
      const all = await store.tasks.list(scope, { pageNumber: 1, pageSize: 10 });
      assert.deepEqual(ids(all), made.map((t) => t.taskId).reverse());
      assert.equal(all.totalCount, 5);
      const page2 = await store.tasks.list(scope, { pageNumber: 2, pageSize: 2 });
      assert.deepEqual(ids(page2), [made[2]!.taskId, made[1]!.taskId]);
      assert.equal(page2.totalCount, 5);
      assert.deepEqual(ids(await store.tasks.list({ ...scope, action: 'ExportImage' }, { pageNumber: 1, pageSize: 10 })), [made[4]!, made[3]!, made[0]!].map((t) => t.taskId));
      assert.deepEqual(ids(await store.tasks.list({ ...scope, statuses: ['Finished'] }, { pageNumber: 1, pageSize: 10 })), [made[2]!.taskId]);
      assert.deepEqual(ids(await store.tasks.list({ ...scope, taskIds: [made[0]!.taskId, made[1]!.taskId] }, { pageNumber: 1, pageSize: 10 })), [made[1]!.taskId, made[0]!.taskId]);
      assert.deepEqual(ids(await store.tasks.list({ ...scope, resourceIds: ['m-3'] }, { pageNumber: 1, pageSize: 10 })), [made[3]!.taskId]);
      const range = await store.tasks.list({ ...scope, createdFrom: Date.parse('2026-01-02T00:00:00Z'), createdTo: Date.parse('2026-01-03T00:00:00Z') }, { pageNumber: 1, pageSize: 10 });
      assert.deepEqual(ids(range), [made[2]!.taskId, made[1]!.taskId]);
      assert.deepEqual(await drain(store, 'w-list'), [made[0]!, made[1]!, made[3]!, made[4]!].map((t) => t.taskId));
    });

    it('claims the oldest waiting task, records progress and ends it under the lease only', async () => {
      const scope = newScope();
      const first = waiting(scope);
      const second = waiting(scope, { action: 'ImportImage' });
      await store.tasks.insert(first);
      await store.tasks.insert(second);
      const claimed = await store.tasks.claim('w-1', 60_000);
      assert.equal(claimed?.task.taskId, first.taskId);
      assert.equal(claimed?.attempt, 1);
      assert.equal(claimed?.task.status, 'Processing');
      assert.ok(await store.tasks.progress(first.taskId, 'w-1', 140, 'copying'));
      assert.equal((await store.tasks.get(scope, first.taskId))?.progress, 100, 'clamped to 100');
      assert.ok(await store.tasks.progress(first.taskId, 'w-1', 42.4, 'half way'));
      assert.equal(await store.tasks.progress(first.taskId, 'w-other', 90), false);
      assert.equal(await store.tasks.finish(first.taskId, 'w-other', { status: 'Finished' }), false);
      assert.deepEqual(await store.tasks.renew(first.taskId, 'w-1', 60_000), { cancelRequested: false });
      assert.equal(await store.tasks.renew(first.taskId, 'w-other', 60_000), undefined);
      const running = await store.tasks.get(scope, first.taskId);
      assert.equal(running?.progress, 42);
      assert.equal(running?.progressNote, 'half way');
      assert.equal(running?.finishedTime, undefined);

      assert.ok(await store.tasks.finish(first.taskId, 'w-1', { status: 'Finished', result: { objectName: 'a_b.qcow2' } }));
      const done = await store.tasks.get(scope, first.taskId);
      assert.equal(done?.status, 'Finished');
      assert.equal(done?.progress, 100);
      assert.deepEqual([done?.successCount, done?.failedCount, done?.supportCancel], [1, 0, true]);
      assert.deepEqual(done?.result, { objectName: 'a_b.qcow2' });
      assert.deepEqual(done?.request, first.request);
      assert.match(done?.finishedTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(await store.tasks.finish(first.taskId, 'w-1', { status: 'Failed', errorCode: 'X', errorMessage: 'y' }), false, 'an ended task stays ended');
      assert.equal(await store.tasks.requestCancel(scope, first.taskId), 'ended');

      const next = await store.tasks.claim('w-2', 60_000);
      assert.equal(next?.task.taskId, second.taskId);
      assert.ok(await store.tasks.finish(second.taskId, 'w-2', { status: 'Failed', errorCode: 'InvalidImage.Corrupt', errorMessage: 'bad disk' }));
      const failed = await store.tasks.get(scope, second.taskId);
      assert.deepEqual([failed?.status, failed?.errorCode, failed?.errorMessage, failed?.successCount, failed?.failedCount], ['Failed', 'InvalidImage.Corrupt', 'bad disk', 0, 1]);
      assert.equal(await store.tasks.claim('w-3', 60_000), undefined);
    });

    it('gives a task whose lease expired to the next claim, and the lost worker writes nothing', async () => {
      const scope = newScope();
      const t = waiting(scope);
      await store.tasks.insert(t);
      assert.equal((await store.tasks.claim('w-lost', 1))?.attempt, 1);
      let again: Awaited<ReturnType<Store['tasks']['claim']>>;
      // The 1 ms lease expires on its own; the next claim takes the task over.
      while (!(again = await store.tasks.claim('w-next', 60_000))) await new Promise((r) => setImmediate(r));
      assert.equal(again.task.taskId, t.taskId);
      assert.equal(again.attempt, 2);
      assert.equal(await store.tasks.progress(t.taskId, 'w-lost', 50), false);
      assert.equal(await store.tasks.renew(t.taskId, 'w-lost', 60_000), undefined);
      assert.equal(await store.tasks.finish(t.taskId, 'w-lost', { status: 'Finished' }), false);
      assert.equal((await store.tasks.get(scope, t.taskId))?.status, 'Processing');
      assert.ok(await store.tasks.finish(t.taskId, 'w-next', { status: 'Failed', errorCode: 'TaskWorkerLost', errorMessage: 'lost' }));
      assert.equal((await store.tasks.get(scope, t.taskId))?.status, 'Failed');
    });

    it('cancels a waiting task at once and tells a running task\'s worker', async () => {
      const scope = newScope();
      const queued = waiting(scope);
      const fixed = waiting(scope, { supportCancel: false });
      await store.tasks.insert(queued);
      assert.equal(await store.tasks.requestCancel(scope, queued.taskId), 'cancelled');
      const dropped = await store.tasks.get(scope, queued.taskId);
      assert.deepEqual([dropped?.status, dropped?.cancelRequested, dropped?.successCount, dropped?.failedCount], ['Deleted', true, 0, 0]);
      assert.ok(dropped?.finishedTime);
      assert.equal(await store.tasks.claim('w-c', 60_000), undefined, 'a cancelled task is not claimed');

      await store.tasks.insert(fixed);
      assert.equal(await store.tasks.requestCancel(scope, fixed.taskId), 'not-supported');
      const running = waiting(scope);
      await store.tasks.insert(running);
      const claimed = await store.tasks.claim('w-c', 60_000);
      assert.equal(claimed?.task.taskId, fixed.taskId);
      const claimed2 = await store.tasks.claim('w-c', 60_000);
      assert.equal(claimed2?.task.taskId, running.taskId);
      assert.equal(await store.tasks.requestCancel(scope, running.taskId), 'requested');
      assert.deepEqual(await store.tasks.renew(running.taskId, 'w-c', 60_000), { cancelRequested: true });
      assert.equal((await store.tasks.get(scope, running.taskId))?.status, 'Processing');
      assert.ok(await store.tasks.finish(running.taskId, 'w-c', { status: 'Deleted' }));
      assert.equal((await store.tasks.get(scope, running.taskId))?.status, 'Deleted');
      assert.ok(await store.tasks.finish(fixed.taskId, 'w-c', { status: 'Finished' }));
    });

    it('never gives one task to two concurrent claims, from two stores', async () => {
      const other = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
      try {
        const scope = newScope();
        const ids = new Set<string>();
        for (let i = 0; i < 4; i++) {
          const t = waiting(scope);
          ids.add(t.taskId);
          await store.tasks.insert(t);
        }
        const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).tasks.claim(`w-${i}`, 60_000)));
        const taken = claims.flatMap((c) => (c ? [c.task.taskId] : []));
        assert.equal(new Set(taken).size, taken.length, 'no task taken twice');
        const rest = await drain(store, 'w-rest');
        assert.deepEqual(new Set([...taken, ...rest]), ids);
        for (const [i, c] of claims.entries()) if (c) assert.ok(await store.tasks.finish(c.task.taskId, `w-${i}`, { status: 'Finished' }));
      } finally {
        await other.close();
      }
    });

    it('refuses a damaged record with a StoreRecordError naming the row', async () => {
      const scope = newScope();
      const t = waiting(scope, { status: 'Finished' });
      await store.tasks.insert(t);
      await assert.rejects(readDamaged(backend, t.taskId, scope, store), (e: unknown) => e instanceof StoreRecordError && e.id === t.taskId && e.field === 'spec.v');
    });
  });
}

/** Rewrites a task's spec to an unknown record version, then reads it through the store. */
async function readDamaged(backend: Backend, taskId: string, scope: Scope, store: Store): Promise<unknown> {
  const { openDialect } = await import('../../src/store/dialect.js');
  const dialect = openDialect({ databaseUrl: backend.url, dataDir: backend.dataDir });
  try {
    await dialect.db.updateTable('tasks').set({ spec: JSON.stringify({ v: 2, taskId, request: {} }) }).where('id', '=', taskId).execute();
  } finally {
    await dialect.close();
  }
  return store.tasks.get(scope, taskId);
}
