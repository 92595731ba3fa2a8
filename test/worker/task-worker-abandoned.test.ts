import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app/app.js';
import { importImage } from '../../src/app/import-image.js';
import { TASK_ABANDONED_STEPS } from '../../src/app/task-handler.js';
import { cancelTask } from '../../src/app/tasks.js';
import { loadConfig } from '../../src/config/config.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import type { TaskRun } from '../../src/domain/task.js';
import { createStore } from '../../src/store/create-store.js';
import { TaskWorker } from '../../src/worker/task-worker.js';
import { FRESH_DATABASES } from '../store/fresh-databases.js';
import { newScope, type Backend } from '../store/helpers.js';
import { killChild } from '../support/child.js';

/*
 * A Creating image never outlives its ImportImage task, on real SQLite and PostgreSQL: the
 * app's ImportImage makes the image and its task; CancelTask of the Waiting task, or the end of
 * a task whose worker was lost (its lease ran out), removes the image in the transaction that
 * ends the task (ImportImage's abandoned step). An image already Available is kept.
 */

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await read();
    if (ok(v)) return v;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'task-worker-child.ts');

/** A task worker in a process of its own (fixtures/task-worker-child.ts); resolves once it runs a task. */
async function workerProcess(backend: Backend, workerId: string): Promise<{ child: ChildProcess; taskId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, backend.url, backend.dataDir, workerId, '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const taskId = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^running (\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`the worker process ended before running a task: ${out}`)));
  });
  return { child, taskId };
}

for (const [name, fresh] of FRESH_DATABASES) {
  describe(`an import task's abandoned step on ${name}`, () => {
    let backend: Backend;
    let store: Store;
    let app: App;
    const workers: TaskWorker[] = [];

    before(async () => {
      backend = await fresh();
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
      app = createApp(store, loadConfig({ KILN_DATA_DIR: backend.dataDir }));
    });
    after(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await store?.close();
      await backend?.dispose();
    });

    const startImport = (scope: Scope, imageName: string) =>
      importImage(app, scope, { imageName, tags: [], diskDeviceMappings: [{ ossBucket: 'images', ossObject: 'disk.qcow2' }] });
    const imageOf = (scope: Scope, imageId: string) => store.images.getOwned(scope, imageId);

    test('CancelTask of a Waiting ImportImage task removes its Creating image with it', async () => {
      const scope = newScope();
      const { imageId, taskId } = await startImport(scope, 'to-cancel');
      assert.equal((await imageOf(scope, imageId))?.status, 'Creating');
      await cancelTask(app, scope, taskId);
      assert.equal((await store.tasks.get(scope, taskId))?.status, 'Deleted');
      assert.equal(await imageOf(scope, imageId), undefined, 'the image went in the cancel\'s transaction');
    });

    test('a task whose worker was lost ends Failed (TaskWorkerLost) or Deleted (a cancel was asked) with its Creating image removed; an Available image stays', async () => {
      const scope = newScope();
      const lost = await startImport(scope, 'lost');
      const lostCancelled = await startImport(scope, 'lost-cancelled');
      const completed = await startImport(scope, 'completed-then-lost');
      const ghost = `ghost-${name}`;
      const mine = new Set([lost.taskId, lostCancelled.taskId, completed.taskId]);
      // The ghost worker takes the three tasks (others of this database are no concern of it).
      for (let taken = 0; taken < 3;) {
        const claimed = await store.tasks.claim(ghost, 60_000);
        assert.ok(claimed, 'a task to claim');
        if (mine.has(claimed.task.taskId)) taken++;
      }
      assert.equal(await store.tasks.requestCancel(scope, lostCancelled.taskId), 'requested');
      await store.images.update(scope, completed.imageId, { status: 'Available', manifestDigest: `sha256:${'0'.repeat(64)}`, size: 1 });
      // The ghost died: its last renewal becomes one of 1 ms, as the clock would run its lease out.
      for (const t of mine) assert.ok(await store.tasks.renew(t, ghost, 1));
      const w = new TaskWorker({
        store, handlers: { ImportImage: async (_: TaskRun) => assert.fail('a lost task is not run again') },
        abandoned: TASK_ABANDONED_STEPS, id: `w-abandoned-${name}`, leaseMs: 60_000, pollMs: 20,
      });
      workers.push(w);
      w.start();
      try {
        const a = await until(() => store.tasks.get(scope, lost.taskId), (x) => x?.status === 'Failed', 'Failed');
        assert.equal(a?.errorCode, 'TaskWorkerLost');
        assert.equal(await imageOf(scope, lost.imageId), undefined, 'the lost import\'s image is gone');
        await until(() => store.tasks.get(scope, lostCancelled.taskId), (x) => x?.status === 'Deleted', 'Deleted');
        assert.equal(await imageOf(scope, lostCancelled.imageId), undefined);
        await until(() => store.tasks.get(scope, completed.taskId), (x) => x?.status === 'Failed', 'Failed');
        assert.equal((await imageOf(scope, completed.imageId))?.status, 'Available', 'an image the import completed is kept');
      } finally {
        await w.stop();
      }
    });

    test('a handler that fails without cleaning up: the image goes with the task all the same', async () => {
      const scope = newScope();
      const { imageId, taskId } = await startImport(scope, 'failing');
      const w = new TaskWorker({
        store, handlers: { ImportImage: async () => { throw new Error('a handler that forgot its cleanup'); } },
        abandoned: TASK_ABANDONED_STEPS, id: `w-failing-${name}`, leaseMs: 60_000, pollMs: 20,
      });
      workers.push(w);
      w.start();
      try {
        const t = await until(() => store.tasks.get(scope, taskId), (x) => x?.status === 'Failed', 'Failed');
        assert.equal(t?.errorCode, 'InternalError');
        assert.equal(await imageOf(scope, imageId), undefined);
      } finally {
        await w.stop();
      }
    });

    test('a worker process killed mid-import (SIGKILL): the next worker ends the task Failed and its Creating image is gone', async () => {
      const scope = newScope();
      const { imageId, taskId } = await startImport(scope, 'killed');
      const workerId = `w-killed-${name}`;
      const proc = await workerProcess(backend, workerId);
      try {
        assert.equal(proc.taskId, taskId);
        await killChild(proc.child);
        // The dead worker's last renewal becomes one of 1 ms, as the clock would run its lease out.
        assert.ok(await store.tasks.renew(taskId, workerId, 1));
        assert.equal((await imageOf(scope, imageId))?.status, 'Creating', 'the killed handler removed nothing');
        const w = new TaskWorker({ store, handlers: {}, abandoned: TASK_ABANDONED_STEPS, id: `w-after-kill-${name}`, leaseMs: 60_000, pollMs: 20 });
        workers.push(w);
        w.start();
        try {
          const t = await until(() => store.tasks.get(scope, taskId), (x) => x?.status !== 'Processing', 'the end of the task');
          assert.deepEqual([t?.status, t?.errorCode], ['Failed', 'TaskWorkerLost']);
          assert.equal(await imageOf(scope, imageId), undefined);
        } finally {
          await w.stop();
        }
      } finally {
        await killChild(proc.child);
      }
    });
  });
}
