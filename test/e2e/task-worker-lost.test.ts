import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { createTask } from '../../src/app/tasks.js';
import { createStore } from '../../src/store/create-store.js';
import { clientAt, defaultCredentials } from '../support/builds.js';
import { freePort, spawnKiln, type KilnProcess } from '../support/child.js';
import { REGION } from '../support/kiln.js';

/*
 * `kiln serve` runs task workers: a task whose worker was lost (its process killed while the task
 * was Processing: here a worker id that claimed it and never came back) is ended by the next
 * `kiln serve` on the data dir — Failed with TaskWorkerLost, seen through the official SDK — and
 * never stays Processing. (Workers really killed or frozen mid-task: test/worker/task-worker.test.ts.)
 */

const dataDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-task-lost-'));
const children: KilnProcess[] = [];

async function serve(workers: number): Promise<KilnProcess> {
  const proc = await spawnKiln({ KILN_DATA_DIR: dataDir, KILN_PORT: String(await freePort()), KILN_WORKERS: String(workers), KILN_LEASE_MS: '60000' });
  children.push(proc);
  return proc;
}

after(async () => {
  for (const c of children) await c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a task whose worker was lost', () => {
  test('the next kiln serve ends it Failed with TaskWorkerLost', async () => {
    // A Kiln without workers makes the default account, then dies (SIGKILL).
    const first = await serve(0);
    const key = defaultCredentials(dataDir);
    await first.kill('SIGKILL');

    // A worker took the task and was lost: its last renewal is one of 1 ms, as the clock would run it out.
    const store = await createStore({ dataDir });
    let taskId: string;
    try {
      const task = await store.transaction((tx) => createTask(tx, { accountId: key.accountId, regionId: REGION, action: 'ExportImage', resourceId: 'm-lost', request: {} }));
      taskId = task.taskId;
      assert.equal((await store.tasks.claim('dead-worker', 60_000))?.task.taskId, taskId);
      assert.ok(await store.tasks.renew(taskId, 'dead-worker', 1));
    } finally {
      await store.close();
    }

    const second = await serve(1);
    const client = clientAt(second.endpoint, key);
    let body: $Ecs.DescribeTaskAttributeResponseBody | undefined;
    for (let i = 0; i < 300; i++) {
      body = (await client.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId }))).body;
      if (body?.taskStatus !== 'Processing') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(body?.taskStatus, 'Failed', JSON.stringify(body));
    assert.deepEqual([body?.failedCount, body?.successCount], [1, 0]);
    const op = body?.operationProgressSet?.operationProgress?.[0];
    assert.equal(op?.errorCode, 'TaskWorkerLost');
    assert.match(op?.errorMsg ?? '', /worker running this ExportImage task was lost/);
    const listed = await client.describeTasks(new $Ecs.DescribeTasksRequest({ regionId: REGION, taskStatus: 'Failed' }));
    assert.deepEqual(listed.body?.taskSet?.task?.map((t) => t.taskId), [taskId]);
  });
});
