import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Builder, BuildContext, BuildOutcome } from '../../src/domain/builder.js';
import type { Execution } from '../../src/domain/execution.js';
import type { HostDisk } from '../../src/domain/host-disk.js';
import type { Scope, Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { buildTimedOut, insufficientHostDisk } from '../../src/domain/execution-messages/index.js';
import { Worker } from '../../src/worker/worker.js';

/*
 * The worker's contract with the queue, over a real SQLite store, with a scripted builder
 * that records what the worker asked of it (the engine has its own tests with real runc).
 */

let dir: string;
let store: Store;
let n = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-worker-'));
  store = await createStore({ dataDir: dir });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function queued(): Promise<{ scope: Scope; execution: Execution }> {
  const k = ++n;
  const scope = { accountId: String(5_000_000_000 + k), regionId: 'cn-hangzhou' };
  const pipelineId = `ip-worker-test-${k}`;
  await store.pipelines.insert({
    id: pipelineId, accountId: scope.accountId, regionId: scope.regionId, name: 'w', baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd',
    buildContent: 'RUN true', vSwitchId: 'vsw-x', instanceType: 'ecs.g6.large', systemDiskSize: 40, internetMaxBandwidthOut: 0,
    deleteInstanceOnFailure: true, toRegionIds: [], addAccounts: [], resourceGroupId: 'rg-x', repairItems: [], tags: [], creationTime: '2026-11-29T08:00:00Z',
  }, []);
  const execution: Execution = {
    id: `exec-worker-test-${k}`, pipelineId, ...scope, status: 'PREPARING', message: 'queued', resourceGroupId: 'rg-x', tags: [],
    creationTime: '2026-11-29T08:00:00Z', modifiedTime: '2026-11-29T08:00:00Z',
  };
  await store.executions.insert(execution);
  return { scope, execution };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A builder that walks the stages and records what happened; `hold` keeps it in BUILDING until aborted or released. */
function scripted(opts: { hold?: boolean } = {}) {
  const seen: string[] = [];
  const cleaned: string[] = [];
  let release: (() => void) | undefined;
  const builder: Builder = {
    async run(ctx: BuildContext): Promise<BuildOutcome> {
      seen.push(ctx.execution.id);
      await ctx.stage('BUILDING', 'Building: step 1/1');
      ctx.log('stdout', 'hello from the build\n');
      if (opts.hold) {
        await new Promise<void>((resolve) => {
          release = resolve;
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (ctx.signal.aborted) return { status: 'CANCELLED', message: 'Cancelled: stopped at step 1.' };
      }
      await ctx.stage('RELEASING', 'Releasing the intermediate instance');
      return { status: 'SUCCESS', message: 'Image m-test created.', imageId: 'm-test' };
    },
    async cleanupLeftovers(executionId) {
      cleaned.push(executionId);
      return [`container kiln-${executionId}`];
    },
  };
  return { builder, seen, cleaned, release: () => release?.() };
}

describe('worker', () => {
  test('claims a queued execution, reports stages and logs, ends SUCCESS and frees the lease', async () => {
    const { scope, execution } = await queued();
    const s = scripted();
    const w = new Worker({ store, builder: s.builder, leaseMs: 2_000, pollMs: 20 });
    w.start();
    try {
      const done = await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'SUCCESS', 'SUCCESS');
      assert.equal(done?.imageId, 'm-test');
      assert.equal(done?.message, 'Image m-test created.');
      const logs = (await store.executionLogs.read(execution.id, 0, 100)).map((c) => c.text).join('');
      assert.match(logs, /\[BUILDING\] Building: step 1\/1/);
      assert.match(logs, /hello from the build/);
      assert.equal(await store.executions.claim('someone-else', 1_000).then((c) => c?.execution.id === execution.id), false);
    } finally {
      await w.stop();
    }
  });

  test('a cancel request reaches the running build through its signal and ends CANCELLED', async () => {
    const { scope, execution } = await queued();
    const s = scripted({ hold: true });
    // The lease outlasts any stall of this busy process (a 300 ms lease, renewed every 100 ms, was
    // lost after a 200 ms pause: the build was then aborted as lost and never ended CANCELLED);
    // the worker still renews, and so sees the cancel, every second.
    const w = new Worker({ store, builder: s.builder, leaseMs: 3_000, pollMs: 20 });
    w.start();
    try {
      await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'BUILDING', 'BUILDING');
      assert.ok(await store.executions.update(scope, execution.id, { status: 'CANCELLING' }, ['BUILDING']));
      const done = await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'CANCELLED', 'CANCELLED');
      assert.match(done!.message, /Cancelled/);
    } finally {
      await w.stop();
    }
  });

  test('an execution whose worker was lost is cleaned up and ends FAILED with WorkerLost', async () => {
    const { scope, execution } = await queued();
    // A worker that claimed it and then died: its lease runs out.
    const ghost = await until(() => store.executions.claim('ghost-worker', 100), (c) => c?.execution.id === execution.id || c === undefined, 'claim');
    assert.equal(ghost?.execution.id, execution.id);
    await store.executions.update(scope, execution.id, { status: 'BUILDING' });
    await sleep(200);
    const s = scripted();
    const w = new Worker({ store, builder: s.builder, leaseMs: 2_000, pollMs: 20 });
    w.start();
    try {
      const done = await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'FAILED', 'FAILED');
      assert.equal(done?.errorCode, 'WorkerLost');
      assert.match(done!.errorInfo!, /BUILDING/);
      assert.deepEqual(s.cleaned, [execution.id]);
      assert.deepEqual(s.seen, [], 'the lost build is not run again');
    } finally {
      await w.stop();
    }
  });

  test('several workers run each execution exactly once', async () => {
    const items = await Promise.all([queued(), queued(), queued(), queued(), queued(), queued()]);
    const s = scripted();
    const workers = [1, 2, 3].map((i) => new Worker({ store, builder: s.builder, leaseMs: 2_000, pollMs: 10, id: `w${i}` }));
    for (const w of workers) w.start();
    try {
      for (const { scope, execution } of items) {
        await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'SUCCESS', `SUCCESS of ${execution.id}`);
      }
      const ours = s.seen.filter((id) => items.some((i) => i.execution.id === id));
      assert.equal(ours.length, items.length);
      assert.equal(new Set(ours).size, items.length);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  test('a build its host disk could never hold ends FAILED with InsufficientHostDisk and never reaches the builder', async () => {
    const { scope, execution } = await queued(); // SystemDiskSize 40
    const asked: string[][] = [];
    const GiB = 1024 ** 3;
    const hostDisk: HostDisk = {
      pool: `worker-test-pool-${execution.id}`,
      async room(running) {
        asked.push([...running]);
        return { capacityBytes: 10 * GiB, ceilingBytes: 30 * GiB };
      },
    };
    const s = scripted();
    const w = new Worker({ store, builder: s.builder, leaseMs: 2_000, pollMs: 20, hostDisk });
    w.start();
    try {
      const done = await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'FAILED', 'FAILED');
      const expected = insufficientHostDisk({ diskGiB: 40, ceilingBytes: 30 * GiB });
      assert.equal(done?.errorCode, 'InsufficientHostDisk');
      assert.equal(done?.message, expected.outcome.message);
      assert.equal(done?.errorInfo, expected.outcome.errorInfo);
      const logs = (await store.executionLogs.read(execution.id, 0, 100)).map((c) => c.text).join('');
      assert.ok(logs.includes(expected.logLine), logs);
      assert.deepEqual(s.seen, [], 'the builder never ran it');
      assert.deepEqual(asked[0], [], 'the host disk was asked for its room with nothing running on it');
    } finally {
      await w.stop();
    }
  });

  test('a build running past the whole-build limit is stopped and ends FAILED with BuildTimeout', async () => {
    const { scope, execution } = await queued();
    const s = scripted({ hold: true });
    const w = new Worker({ store, builder: s.builder, leaseMs: 2_000, pollMs: 20, buildTimeoutMs: 300 });
    w.start();
    try {
      const done = await until(() => store.executions.get(scope, execution.id), (e) => e?.status === 'FAILED', 'FAILED');
      const expected = buildTimedOut('BUILDING', 300);
      assert.equal(done?.errorCode, 'BuildTimeout');
      assert.equal(done?.message, expected.message);
      assert.equal(done?.errorInfo, expected.errorInfo);
      assert.deepEqual(s.seen, [execution.id]);
    } finally {
      await w.stop();
    }
  });
});
