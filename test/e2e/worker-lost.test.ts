import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, spawnKiln, type KilnProcess } from '../support/child.js';
import { createPipeline } from '../support/ecs-requests.js';
import { clientAt, defaultCredentials, describeExecution, isTerminal, leftoversOf, logsOf, startExecution, waitForExecution, waitNoLeftovers } from '../support/builds.js';
import { createStore } from '../../src/store/create-store.js';

/*
 * A worker killed in the middle of a build (SIGKILL: no chance to clean up). Its container
 * and mounts stay behind until the lease runs out; a new `kiln serve` on the same data dir
 * then takes the execution back, reaps what the dead worker left and ends it FAILED with
 * ErrorCode=WorkerLost.
 *
 * The lease is long (no renewal can miss it, however busy the machine, and the new server
 * starts well within it); the test runs it out itself once the new server is up, as the
 * clock would: the dead worker's last renewal becomes one of 1 ms.
 */

const LEASE_MS = 60_000;
const dataDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-lost-'));
const children: KilnProcess[] = [];

async function serve(): Promise<KilnProcess> {
  const proc = await spawnKiln({ KILN_DATA_DIR: dataDir, KILN_PORT: String(await freePort()), KILN_WORKERS: '1', KILN_LEASE_MS: String(LEASE_MS) });
  children.push(proc);
  return proc;
}

/** Ends the lease of `executionId` now: its holder's last renewal is made one of 1 ms, and the clock passes it. */
async function runLeaseOut(executionId: string): Promise<void> {
  const db = new Database(join(dataDir, 'kiln.db'), { readonly: true, fileMustExist: true });
  const row = db.prepare('select lease_owner from executions where id = ?').get(executionId) as { lease_owner: string | null } | undefined;
  db.close();
  assert.ok(row?.lease_owner, 'the killed worker holds the lease');
  const store = await createStore({ dataDir });
  try {
    assert.equal(await store.executions.renew(executionId, row.lease_owner, 1), 'BUILDING');
  } finally {
    await store.close();
  }
  const expiresBy = Date.now() + 1;
  while (Date.now() <= expiresBy) await new Promise((r) => setTimeout(r, 1));
}

after(async () => {
  for (const c of children) await c.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a worker killed mid-build', () => {
  test('SIGKILL during BUILDING: a new kiln serve ends it FAILED (WorkerLost) and reaps its leftovers', async () => {
    const first = await serve();
    const v3 = clientAt(first.endpoint, defaultCredentials(dataDir));
    const pipelineId = await createPipeline(v3, { buildContent: 'RUN echo going-to-sleep\nRUN sleep 120' });
    const executionId = await startExecution(v3, pipelineId);
    await waitForExecution(v3, executionId, (e) => e.status === 'BUILDING', 'BUILDING');
    // Wait until the sleeping step's container runs: the kill then leaves a live container behind.
    // Step 2's container (`kiln-<execution>-2`): step 1's is gone again in a moment.
    const running = async () => (await leftoversOf(dataDir, executionId)).some((l) => l.startsWith('runc container') && l.includes(`kiln-${executionId}-2`));
    for (let i = 0; !(await running()); i++) {
      assert.ok(i < 600, 'the step container never appeared');
      await new Promise((r) => setTimeout(r, 100));
    }

    // Output is written in batches (every 200 ms): wait until step 1's line was stored, so what
    // the kill loses is only what was never acknowledged.
    const watcher = await createStore({ dataDir });
    try {
      for (let i = 0; !/going-to-sleep/.test(await logsOf(watcher, executionId)); i++) {
        assert.ok(i < 600, 'step 1 output was never stored');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await watcher.close();
    }

    await first.kill('SIGKILL');
    assert.ok((await leftoversOf(dataDir, executionId)).length > 0, 'the killed worker left its instance behind');

    const second = await serve();
    const again = clientAt(second.endpoint, defaultCredentials(dataDir));
    assert.equal((await describeExecution(again, executionId)).status, 'BUILDING', 'not taken back while the lease holds');
    await runLeaseOut(executionId);
    const { item } = await waitForExecution(again, executionId, isTerminal, 'WorkerLost', LEASE_MS);
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'WorkerLost');
    assert.match(item.errorInfo ?? '', /during BUILDING/);
    assert.match(item.message ?? '', /worker running this build stopped during BUILDING/);
    await waitNoLeftovers(dataDir, executionId);

    // The log says what was released. (Read through a second store connection on the same SQLite file.)
    const store = await createStore({ dataDir });
    try {
      const logs = await logsOf(store, executionId);
      assert.match(logs, /going-to-sleep/);
      assert.match(logs, /A worker running this build was lost during BUILDING; released: .*runc container kiln-/);
    } finally {
      await store.close();
    }
  });
});
