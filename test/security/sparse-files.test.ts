import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { BlobInfo, BlobSource, BlobStore } from '../../src/blobs/blob-store.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { snapshot } from '../../src/engine/cache/tmp-state.js';
import { captureLayer } from '../../src/engine/layers/capture-layer.js';
import { build, logsContaining } from '../support/builds.js';
import { startKiln, type TestKiln } from '../support/kiln.js';

/*
 * Issue 8, item 5: sparse files must not reach the host at their logical size. A tar has no
 * holes, so a sparse file costs nothing in the instance (`truncate -s 50T`) and everything once
 * archived on the host: the /tmp snapshot of the step cache and a step's layer archived them
 * whole. The snapshot is capped at the tmpfs's own size (over it, /tmp is not snapshotted and
 * the build goes on uncached, saying so); a layer's files are checked against its bound before
 * their bytes are read. The engine's archivers are fed a blob store that counts what it is
 * given and gives up past GIVE_UP (so the old code's whole-size archive ends too); the build
 * goes through a real Kiln on busybox.
 */

const run = promisify(execFile);
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const GIVE_UP = 256 * MiB;

/** A blob store that stores nothing and fails once it was given more than GIVE_UP bytes. */
class CountingBlobs {
  taken = 0;
  async put(data: BlobSource): Promise<BlobInfo> {
    for await (const piece of data as AsyncIterable<Uint8Array>) {
      this.taken += piece.length;
      if (this.taken > GIVE_UP) throw new Error(`the archiver wrote more than ${GIVE_UP} bytes`);
    }
    return { digest: 'sha256:0' as BlobInfo['digest'], size: this.taken };
  }
}
const counting = () => new CountingBlobs() as CountingBlobs & BlobStore;

let work: string;
let tmpfs: string;
let kiln: TestKiln;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kiln-sparse-'));
  tmpfs = join(work, 'tmpfs');
  mkdirSync(tmpfs);
  await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'kiln-sparse-test', tmpfs]);
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
  await run('umount', [tmpfs]).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('security: sparse files', () => {
  test('the /tmp snapshot refuses a tmpfs whose files hold more than the tmpfs, before writing a byte', async () => {
    await writeFile(join(tmpfs, 'big'), '');
    await truncate(join(tmpfs, 'big'), 4 * GiB);
    const blobs = counting();
    await assert.rejects(snapshot(tmpfs, blobs), /\/tmp holds 4294967296 bytes of file data, more than its 16777216-byte tmpfs/);
    assert.equal(blobs.taken, 0, 'nothing was archived');
    rmSync(join(tmpfs, 'big'));
  });

  test('a layer whose sparse file is larger than its bound fails before the file is archived', async () => {
    const upper = join(work, 'upper');
    mkdirSync(upper);
    await writeFile(join(upper, 'sparse'), '');
    await truncate(join(upper, 'sparse'), 1024 * GiB);
    const blobs = counting();
    await assert.rejects(captureLayer(upper, blobs, 64 * MiB), (err: Error) => err.name === 'LayerTooLargeError' && /files hold more than 67108864 bytes/.test(err.message));
    assert.ok(blobs.taken < MiB, `${blobs.taken} bytes were archived`);
  });

  test('a build that leaves a 3 GiB sparse file in its 2 GiB /tmp succeeds uncached, says so, and stores no blob larger than the tmpfs', async () => {
    // ecs.t6-c1m1.large: 2 GiB of memory, and a /tmp tmpfs of that size
    const content = 'RUN truncate -s 3G /tmp/big && echo sparse-tmp-1\nRUN echo after-the-sparse-file';
    const fields = { buildContent: content, instanceType: 'ecs.t6-c1m1.large' };
    const first = await build(kiln.clients.v3, fields);
    assert.equal(first.item.status, 'SUCCESS', JSON.stringify(first.item));
    const logs = await logsContaining(kiln.app.store, first.executionId, 'after-the-sparse-file');
    assert.match(logs, /\/tmp holds 3 GiB of files \(sparse files count at their full size\), more than its .* tmpfs: it is not kept in the step cache, so this step and the ones after it are not cached/);
    const blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
    for await (const blob of blobs.list()) assert.ok(blob.size < 2 * GiB, `a ${blob.size}-byte blob was stored`);
    // Nothing of it was recorded: the same template runs every step again.
    const again = await build(kiln.clients.v3, fields);
    assert.equal(again.item.status, 'SUCCESS', JSON.stringify(again.item));
    const second = await logsContaining(kiln.app.store, again.executionId, 'after-the-sparse-file');
    assert.doesNotMatch(second, /from the step cache \(/);
    assert.match(second, /Steps: 2 step\(s\) run, 0 from the step cache/);
  });
});
