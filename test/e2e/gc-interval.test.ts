import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { loadConfig } from '../../src/config/config.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { serve, type Running } from '../../src/main/serve.js';
import { build, clientAt, uniqueName } from '../support/builds.js';

/*
 * The collection that runs on its own: a worker collects garbage after a build when the last
 * collection is older than KILN_GC_INTERVAL_MS (the first build of a process always is). Each
 * collection's effect is awaited, never a clock: planted garbage disappears, and a dead
 * process's staging folder in layers/tmp, which a collection removes last, tells it has ended.
 * With a long interval the second build is not followed by one: once the server has stopped
 * (which waits for a collection in progress), that build's garbage is still there.
 */

interface Server {
  running: Running;
  blobs: LocalBlobStore;
  layers: LayerStore;
  dataDir: string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-gc-interval-'));
  // Grace 0: garbage is collectable as soon as it is written.
  const config = loadConfig({ KILN_DATA_DIR: dataDir, KILN_PORT: '0', KILN_HOST: '127.0.0.1', KILN_WORKERS: '1', KILN_GC_GRACE_MS: '0', ...env });
  const running = await serve(config);
  const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
  return { running, blobs, layers: new LayerStore(dataDir, blobs), dataDir };
}

/** A blob nothing references and a dead process's layer staging folder (pid above the kernel's limit). */
async function plant(s: Server): Promise<{ blob: string; staging: string }> {
  const blob = (await s.blobs.put(randomBytes(2000))).digest;
  const staging = join(s.layers.root, 'tmp', `4194305-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  return { blob, staging };
}

/** Resolves once `ok` holds (checked every 50 ms), failing after `timeoutMs`. */
async function eventually(ok: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** A build that succeeds, then the collection after it has ended: what was planted before it is gone. */
async function buildAndCollect(s: Server, planted: { blob: string; staging: string }): Promise<void> {
  await buildOk(s);
  await eventually(() => !existsSync(planted.staging), 'the collection after the build has ended');
  assert.equal(await s.blobs.has(planted.blob), false, 'the garbage is collected');
}

async function buildOk(s: Server): Promise<void> {
  const client = clientAt(s.running.endpoint, s.running.credentials);
  const b = await build(client, { buildContent: `RUN cat /proc/sys/kernel/random/uuid > /${uniqueName('gc-interval')}` });
  assert.equal(b.item.status, 'SUCCESS', JSON.stringify(b.item));
}

describe('garbage collection after builds (KILN_GC_INTERVAL_MS)', () => {
  test('a small interval: every build is followed by a collection', async () => {
    const s = await startServer({ KILN_GC_INTERVAL_MS: '1' });
    try {
      await buildAndCollect(s, await plant(s));
      await buildAndCollect(s, await plant(s));
    } finally {
      await s.running.stop();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  });

  test('a long interval: the first build is followed by a collection, the next one is not', async () => {
    const s = await startServer({ KILN_GC_INTERVAL_MS: String(60 * 60_000) });
    let second: { blob: string; staging: string };
    try {
      await buildAndCollect(s, await plant(s));
      second = await plant(s);
      await buildOk(s);
    } finally {
      await s.running.stop(); // waits for a collection in progress
    }
    try {
      assert.ok(await s.blobs.has(second.blob), 'no collection removed the garbage of the second build');
      assert.ok(existsSync(second.staging));
    } finally {
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  });
});
