import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../src/blobs/local-blob-store.js';
import { ensureBusyboxBase } from '../src/engine/base-images/busybox.js';
import { RuncInstanceDriver } from '../src/engine/instance/runc-driver.js';
import { Runc } from '../src/engine/instance/runc.js';
import { LayerStore } from '../src/engine/layers/layer-store.js';

/*
 * Where a build step's time goes, without the API, the worker or the database: N steps
 * (`sh -c "$CMD"`, `$I` replaced by the step's index) on one runc instance on the busybox base,
 * each captured as a layer and committed, as the engine does. Prints medians of: the whole
 * step, `instance.run`, runc itself (spawn to exit), the instance's own work around runc, and
 * the layer capture; and the instance's creation and destruction, once each. Needs root and runc,
 * like the engine.
 *
 *   node --import tsx bench/profile-step.ts                 20 × `true`
 *   N=10 CMD='dd if=/dev/zero of=/f$I bs=1M count=20' node --import tsx bench/profile-step.ts
 */

const N = Number(process.env.N ?? 20);
const CMD = process.env.CMD ?? 'true';

// runc's own time: from spawning `runc run` to its exit, whichever way it is started
const runcMs: number[] = [];
const spawnRun = Runc.prototype.spawnRun;
Runc.prototype.spawnRun = function (this: Runc, ...args: Parameters<typeof spawnRun>) {
  const started = performance.now();
  const child = spawnRun.apply(this, args);
  void once(child, 'close').then(() => runcMs.push(performance.now() - started));
  return child;
};

const dataDir = await mkdtemp(join(tmpdir(), 'kiln-profile-step-'));
const name = `profile-step-${process.pid}`;
const driver = new RuncInstanceDriver({ dataDir });
try {
  const layers = new LayerStore(dataDir, new LocalBlobStore(join(dataDir, 'blobs')));
  const base = await ensureBusyboxBase(layers);
  const createStarted = performance.now();
  const instance = await driver.create({ name, hostname: 'profile', layers: [base.dir], cpus: 1, memoryMiB: 256, diskGiB: 1, diskMiB: 1024, network: 'none' });
  const createMs = performance.now() - createStarted;
  let destroyMs = 0;
  const stepMs: number[] = [];
  const runMs: number[] = [];
  const captureMs: number[] = [];
  try {
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      const result = await instance.run({
        argv: ['/bin/sh', '-c', CMD.replaceAll('$I', String(i))],
        env: [], cwd: '/', user: 'root', timeoutMs: 600_000, onOutput: () => undefined,
      });
      const ran = performance.now();
      if (result.exitCode !== 0) throw new Error(`step ${i} exited ${result.exitCode}`);
      await layers.capture(result.upperDir);
      instance.commitStep();
      const done = performance.now();
      stepMs.push(done - started);
      runMs.push(ran - started);
      captureMs.push(done - ran);
    }
  } finally {
    const destroyStarted = performance.now();
    await instance.destroy();
    destroyMs = performance.now() - destroyStarted;
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const around = runMs.map((r, i) => r - runcMs[i]!);
  console.log(`${N} × sh -c ${JSON.stringify(CMD)}: median ms per step`);
  for (const [label, v] of [['step (run + capture + commit)', stepMs], ['instance.run', runMs], ['  runc run (spawn → exit)', runcMs], ['  around runc', around], ['layer capture', captureMs]] as const) {
    console.log(`${label.padEnd(32)}${median(v).toFixed(1).padStart(8)}`);
  }
  console.log(`${'instance create (once)'.padEnd(32)}${createMs.toFixed(1).padStart(8)}`);
  console.log(`${'instance destroy (once)'.padEnd(32)}${destroyMs.toFixed(1).padStart(8)}`);
} finally {
  await driver.reap(name);
  await rm(dataDir, { recursive: true, force: true });
}
