import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { GcReport } from '../../src/engine/gc/collect-garbage.js';
import { imageBlobDigests, readImage } from '../../src/engine/image/oci-image.js';
import { runCli } from '../support/child.js';
import { REGION } from '../support/kiln.js';
import { gcKilnFixture } from './support/gc-kiln.js';
import { $Ecs, build, uniqueName } from '../support/builds.js';

/*
 * `kiln gc` run as a process on the data dir of a running Kiln that built an image: it removes
 * the blobs nothing references once they are older than the grace (`--grace-ms`, else
 * KILN_GC_GRACE_MS), keeps what images, base images and step-cache entries reference, evicts
 * cache entries past `--max-cache-bytes`, and prints what it did as a JSON report whose counts
 * are exactly what went from the disk.
 */

const server = gcKilnFixture();

/** `kiln gc <args>` against the server's data dir; exits 0 and prints its report. */
async function kilnGc(...args: string[]): Promise<GcReport> {
  const r = await runCli(['gc', ...args], { KILN_DATA_DIR: server.kiln.config.dataDir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as GcReport;
}

/** Every blob on disk, by digest, with its size. */
async function blobSizes(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const b of server.blobs.list()) out.set(b.digest, b.size);
  return out;
}

/** Blobs nothing references: random bytes, stored. */
async function garbage(sizes: number[]): Promise<Array<{ digest: string; size: number }>> {
  return Promise.all(sizes.map(async (size) => ({ digest: (await server.blobs.put(randomBytes(size))).digest, size })));
}

/** An unfinished blob write of a process that no longer runs (pid above the kernel's limit). */
async function deadWritersTemporary(): Promise<string> {
  const file = join(server.blobs.root, 'tmp', `4194305-${randomBytes(8).toString('hex')}`);
  await mkdir(join(server.blobs.root, 'tmp'), { recursive: true });
  await writeFile(file, randomBytes(100));
  return file;
}

const scope = () => ({ accountId: server.kiln.credentials.accountId, regionId: REGION });

describe('kiln gc', () => {
  let imageId: string;
  /** The image's manifest, config and layers: its base's layers below the one its build step made. */
  let imageBlobs: string[];

  test('removes what nothing references once past the grace, keeps what an image and the step cache reference, and says what it removed', async () => {
    const built = await build(server.kiln.clients.v3, { buildContent: `RUN cat /proc/sys/kernel/random/uuid > /${uniqueName('gc-cli')}` });
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
    imageId = built.item.imageId!;
    const manifest = (await server.kiln.app.store.images.getOwned(scope(), imageId))?.manifestDigest;
    assert.ok(manifest);
    const image = await readImage(server.blobs, manifest);
    imageBlobs = await imageBlobDigests(server.blobs, manifest);

    // Whatever the build itself left unreferenced goes first: from here on the data dir holds only referenced blobs.
    await kilnGc('--grace-ms', '0');
    const referenced = await blobSizes();
    for (const d of imageBlobs) assert.ok(referenced.has(d), `the image's blob ${d} is kept`);
    const entries = (await server.kiln.app.store.stepCache.listAll()).length;
    assert.ok(entries > 0, 'the build wrote step-cache entries');

    const junk = await garbage([1000, 3000]);
    const temporary = await deadWritersTemporary();

    // The configured grace (10 minutes by default) keeps what was just written.
    const fresh = await kilnGc();
    assert.ok(fresh.cacheBytesBefore > 0, JSON.stringify(fresh));
    assert.deepEqual(fresh, {
      evictedEntries: 0, cacheBytesBefore: fresh.cacheBytesBefore, cacheBytesAfter: fresh.cacheBytesBefore,
      deletedBlobs: 0, freedBytes: 0, deletedLayerDirs: 0,
    });
    for (const j of junk) assert.ok(await server.blobs.has(j.digest), 'garbage within the grace is kept');

    const report = await kilnGc('--grace-ms', '0');
    assert.deepEqual(report, {
      evictedEntries: 0, cacheBytesBefore: fresh.cacheBytesBefore, cacheBytesAfter: fresh.cacheBytesBefore,
      deletedBlobs: 2, freedBytes: 4000, deletedLayerDirs: 0,
    });
    for (const j of junk) assert.equal(await server.blobs.has(j.digest), false, `garbage ${j.digest} is removed`);
    assert.equal(existsSync(temporary), false, "a dead writer's unfinished blob is removed");
    assert.deepEqual(await blobSizes(), referenced, 'every referenced blob is kept');
    assert.equal((await server.kiln.app.store.stepCache.listAll()).length, entries);
    assert.deepEqual((await readImage(server.blobs, manifest)).layers.map((l) => l.digest), image.layers.map((l) => l.digest), 'the image still reads');
  });

  test('once the image is deleted and the cache bound is 0: its server.blobs, the cache entries and their layers go, as the report counts them', async () => {
    assert.ok(imageId, 'the test before built the image');
    await server.kiln.clients.v3.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId }));
    const blobsBefore = await blobSizes();
    const layerDirsBefore = (await server.layers.list()).length;
    const entriesBefore = (await server.kiln.app.store.stepCache.listAll()).length;

    const report = await kilnGc('--grace-ms', '0', '--max-cache-bytes', '0');
    const blobsAfter = await blobSizes();
    const removed = [...blobsBefore.keys()].filter((d) => !blobsAfter.has(d));
    assert.equal(report.evictedEntries, entriesBefore);
    assert.equal(report.cacheBytesAfter, 0);
    assert.ok(report.cacheBytesBefore > 0, JSON.stringify(report));
    assert.equal((await server.kiln.app.store.stepCache.listAll()).length, 0);
    assert.equal(report.deletedBlobs, removed.length);
    assert.equal(report.freedBytes, removed.reduce((n, d) => n + blobsBefore.get(d)!, 0));
    assert.equal(report.deletedLayerDirs, layerDirsBefore - (await server.layers.list()).length);
    // Its manifest, config and the layer of its step go; the base image's layers below stay.
    const [manifest, config, ...imageLayers] = imageBlobs;
    const ownLayer = imageLayers.at(-1)!;
    assert.deepEqual([manifest, config, ownLayer].filter((d) => !removed.includes(d!)), [], 'the deleted image\'s own blobs are removed');
    for (const d of imageLayers.slice(0, -1)) assert.ok(blobsAfter.has(d), `the base image's layer ${d} is kept`);
  });
});
