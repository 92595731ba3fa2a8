import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KilnError } from '../../src/domain/errors.js';
import { newTaskId } from '../../src/domain/ids.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import type { Task, TaskAction, TaskHandler, TaskRun } from '../../src/domain/task.js';
import { ecsTime } from '../../src/domain/time.js';
import { createStore } from '../../src/store/create-store.js';
import { TaskWorker } from '../../src/worker/task-worker.js';
import { FRESH_DATABASES } from '../store/fresh-databases.js';
import { newScope, type Backend } from '../store/helpers.js';
import { killChild } from '../support/child.js';

/*
 * The task worker over real SQLite and PostgreSQL, with handlers written for the test (the
 * export and import handlers have their own tests). A worker killed (SIGKILL) or frozen
 * (SIGSTOP) in another process is a real process; its task ends Failed with TaskWorkerLost.
 */

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'fixtures', 'task-worker-child.ts');

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await read();
    if (ok(v)) return v;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function waiting(scope: Scope, action: TaskAction = 'ExportImage'): Task {
  return {
    taskId: newTaskId(), accountId: scope.accountId, regionId: scope.regionId, action, status: 'Waiting', progress: 0, supportCancel: true,
    cancelRequested: false, creationTime: ecsTime(), resourceId: 'm-task-worker', request: { step: 'one' }, successCount: 0, failedCount: 0,
  };
}

/** A child process running a task worker (fixtures/task-worker-child.ts), and its output lines as they come. */
function spawnWorker(backend: Backend, workerId: string): { child: ChildProcess; line(re: RegExp): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, backend.url, backend.dataDir, workerId, '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const line = async (re: RegExp): Promise<string> => {
    for (;;) {
      const found = lines.find((l) => re.test(l));
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker process ended before printing ${re}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        child.once('exit', () => resolve());
      });
    }
  };
  return { child, line };
}

for (const [name, fresh] of FRESH_DATABASES) {
  describe(`task worker on ${name}`, () => {
    let backend: Backend;
    let store: Store;
    /** The test's handler for each task, by id (the worker's one ExportImage handler dispatches to it). */
    const scripts = new Map<string, TaskHandler>();
    const handlers = { ExportImage: (run: TaskRun) => scripts.get(run.task.taskId)!(run) };
    const workers: TaskWorker[] = [];
    const startWorker = (id: string) => {
      const w = new TaskWorker({ store, handlers, id, leaseMs: 60_000, pollMs: 20 });
      workers.push(w);
      w.start();
      return w;
    };

    before(async () => {
      backend = await fresh();
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
    });
    after(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await store?.close();
      await backend?.dispose();
    });

    test('runs the handler: Processing with its progress while it runs, then Finished with its result', async () => {
      const scope = newScope();
      const t = waiting(scope);
      let release!: () => void;
      const released = new Promise<void>((r) => { release = r; });
      let seen: Task | undefined;
      scripts.set(t.taskId, async ({ task, progress }) => {
        seen = task;
        await progress(50, 'half way');
        await released;
        return { result: { objectName: 'prefix_m-1_t-1.qcow2', notes: ['no bootloader'] } };
      });
      await store.tasks.insert(t);
      const w = startWorker(`w-run-${name}`);
      try {
        const running = await until(() => store.tasks.get(scope, t.taskId), (x) => x?.progress === 50, 'progress 50');
        assert.equal(running?.status, 'Processing');
        assert.equal(running?.progressNote, 'half way');
        assert.deepEqual(seen?.request, { step: 'one' });
        release();
        const done = await until(() => store.tasks.get(scope, t.taskId), (x) => x?.status === 'Finished', 'Finished');
        assert.deepEqual(done?.result, { objectName: 'prefix_m-1_t-1.qcow2', notes: ['no bootloader'] });
        assert.deepEqual([done?.progress, done?.successCount, done?.failedCount], [100, 1, 0]);
      } finally {
        await w.stop();
      }
    });

    test('a KilnError ends the task Failed with its code; any other error, or no handler, with InternalError', async () => {
      const scope = newScope();
      const refused = waiting(scope);
      const crashed = waiting(scope);
      const orphan = waiting(scope, 'ImportImage');
      scripts.set(refused.taskId, async () => {
        throw new KilnError('InvalidTaskId.NotFound', 'a registered code from the handler');
      });
      scripts.set(crashed.taskId, async () => {
        throw new Error('a bug');
      });
      for (const t of [refused, crashed, orphan]) await store.tasks.insert(t);
      const w = startWorker(`w-fail-${name}`);
      try {
        const ended = async (t: Task) => until(() => store.tasks.get(scope, t.taskId), (x) => x?.status === 'Failed', `${t.taskId} Failed`);
        const a = await ended(refused);
        assert.deepEqual([a?.errorCode, a?.errorMessage, a?.failedCount], ['InvalidTaskId.NotFound', 'a registered code from the handler', 1]);
        const b = await ended(crashed);
        assert.equal(b?.errorCode, 'InternalError');
        assert.doesNotMatch(b?.errorMessage ?? '', /a bug/, 'the details stay in the server log');
        assert.equal((await ended(orphan))?.errorCode, 'InternalError');
      } finally {
        await w.stop();
      }
    });

    test('CancelTask aborts the handler\'s signal and the task ends Deleted (cancelled)', async () => {
      const scope = newScope();
      const t = waiting(scope);
      let reason: unknown;
      scripts.set(t.taskId, async ({ signal, progress }) => {
        await progress(10);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = signal.reason;
        throw new Error('stopped');
      });
      await store.tasks.insert(t);
      const w = startWorker(`w-cancel-${name}`);
      try {
        await until(() => store.tasks.get(scope, t.taskId), (x) => x?.progress === 10, 'running');
        assert.equal(await store.tasks.requestCancel(scope, t.taskId), 'requested');
        const done = await until(() => store.tasks.get(scope, t.taskId), (x) => x?.status === 'Deleted', 'Deleted');
        assert.equal(reason, 'cancelled');
        assert.deepEqual([done?.successCount, done?.failedCount, done?.errorCode], [0, 0, undefined]);
        assert.ok(done?.finishedTime);
      } finally {
        await w.stop();
      }
    });

    test('a task claimed again after its worker\'s lease ran out ends Failed with TaskWorkerLost (Deleted if a cancel was asked)', async () => {
      const scope = newScope();
      const lost = waiting(scope);
      const lostCancelled = waiting(scope);
      for (const t of [lost, lostCancelled]) {
        scripts.set(t.taskId, async () => assert.fail('a lost task is not run again'));
        await store.tasks.insert(t);
      }
      for (const t of [lost, lostCancelled]) assert.equal((await store.tasks.claim(`ghost-${name}`, 60_000))?.task.taskId, t.taskId);
      assert.equal(await store.tasks.requestCancel(scope, lostCancelled.taskId), 'requested');
      // The worker that claimed them died: its last renewal becomes one of 1 ms, as the clock would run it out.
      for (const t of [lost, lostCancelled]) assert.ok(await store.tasks.renew(t.taskId, `ghost-${name}`, 1));
      const w = startWorker(`w-lost-${name}`);
      try {
        const a = await until(() => store.tasks.get(scope, lost.taskId), (x) => x?.status === 'Failed', 'Failed');
        assert.equal(a?.errorCode, 'TaskWorkerLost');
        assert.match(a?.errorMessage ?? '', /ExportImage task was lost/);
        await until(() => store.tasks.get(scope, lostCancelled.taskId), (x) => x?.status === 'Deleted', 'Deleted');
      } finally {
        await w.stop();
      }
    });

    test('a worker process killed mid-task (SIGKILL): the next worker ends its task Failed with TaskWorkerLost', async () => {
      const scope = newScope();
      const t = waiting(scope);
      await store.tasks.insert(t);
      const workerId = `w-killed-${name}`;
      const proc = spawnWorker(backend, workerId);
      try {
        assert.equal(await proc.line(/^running /), `running ${t.taskId}`);
        await killChild(proc.child);
        // The dead worker's last renewal becomes one of 1 ms, as the clock would run its lease out.
        assert.ok(await store.tasks.renew(t.taskId, workerId, 1));
        assert.equal((await store.tasks.get(scope, t.taskId))?.status, 'Processing');
        const w = startWorker(`w-after-kill-${name}`);
        try {
          const done = await until(() => store.tasks.get(scope, t.taskId), (x) => x?.status !== 'Processing', 'the end of the task');
          assert.deepEqual([done?.status, done?.errorCode, done?.progress], ['Failed', 'TaskWorkerLost', 30]);
        } finally {
          await w.stop();
        }
      } finally {
        await killChild(proc.child);
      }
    });

    test('a worker process cut off (SIGSTOP) past its lease: its task ends Failed, and once back it writes nothing', async () => {
      const scope = newScope();
      const t = waiting(scope);
      await store.tasks.insert(t);
      const workerId = `w-frozen-${name}`;
      const proc = spawnWorker(backend, workerId);
      try {
        await proc.line(/^running /);
        proc.child.kill('SIGSTOP');
        assert.ok(await store.tasks.renew(t.taskId, workerId, 1));
        const w = startWorker(`w-after-stop-${name}`);
        try {
          await until(() => store.tasks.get(scope, t.taskId), (x) => x?.status === 'Failed', 'Failed');
        } finally {
          await w.stop();
        }
        proc.child.kill('SIGCONT');
        // Its next renewal finds the lease gone: the handler's signal aborts, its late progress is refused.
        assert.equal(await proc.line(/^aborted /), 'aborted lease-lost');
        const after = await store.tasks.get(scope, t.taskId);
        assert.deepEqual([after?.status, after?.errorCode, after?.progress], ['Failed', 'TaskWorkerLost', 30]);
      } finally {
        proc.child.kill('SIGCONT');
        await killChild(proc.child);
      }
    });
  });
}
