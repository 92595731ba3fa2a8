import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectGarbage } from '../../src/engine/gc/collect-garbage.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { REGION } from '../support/kiln.js';
import { gcKilnFixture } from './support/gc-kiln.js';
import { BUSYBOX, createPipeline } from '../support/ecs-requests.js';
import { $Ecs, assertNoLeftovers, build, buildExisting, isTerminal, startExecution, uniqueName, waitForExecution, type Built } from '../support/builds.js';

/*
 * Garbage collection on a real data dir after real builds: what images, base images and cache
 * entries reference is kept, the rest is freed; the size bound evicts cache entries; a build
 * running while the collector runs keeps every layer it uses.
 */

const server = gcKilnFixture();

const content = (tag: string, n = 3) => Array.from({ length: n }, (_, i) => `RUN cat /proc/sys/kernel/random/uuid > /gc-${tag}-${i}`).join('\n');
const scope = () => ({ accountId: server.kiln.credentials.accountId, regionId: REGION });

async function blobsOfImage(imageId: string): Promise<{ manifest: string; layers: string[] }> {
  const image = await server.kiln.app.store.images.getOwned(scope(), imageId);
  assert.ok(image?.manifestDigest);
  return { manifest: image.manifestDigest, layers: (await readImage(server.blobs, image.manifestDigest)).layers.map((l) => l.digest) };
}

async function buildOk(buildContent: string, extra: Parameters<typeof build>[1] = {}): Promise<Built> {
  const b = await build(server.kiln.clients.v3, { buildContent, ...extra });
  assert.equal(b.item.status, 'SUCCESS', JSON.stringify(b.item));
  return b;
}

const gc = (maxCacheBytes: number) => collectGarbage({ store: server.kiln.app.store, blobs: server.blobs, layers: server.layers, maxCacheBytes, graceMs: 0 });

describe('garbage collection', () => {
  test('keeps what images, base images and cache entries reference; the size bound evicts entries and frees their layers', async () => {
    const keptTag = uniqueName('kept');
    const gone = await buildOk(content(uniqueName('gone')));
    const kept = await buildOk(content(keptTag));
    const goneBlobs = await blobsOfImage(gone.item.imageId!);
    const keptBlobs = await blobsOfImage(kept.item.imageId!);
    await server.kiln.clients.v3.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId: gone.item.imageId! }));

    // Within the bound: the deleted image's manifest goes; its layers stay (cache entries name them).
    const first = await gc(Number.MAX_SAFE_INTEGER);
    assert.equal(first.evictedEntries, 0);
    assert.ok(first.deletedBlobs >= 2, JSON.stringify(first));
    assert.equal(await server.blobs.has(goneBlobs.manifest), false);
    for (const d of goneBlobs.layers) assert.ok(await server.blobs.has(d), `cached layer ${d} kept`);

    // A bound of 0: every entry is evicted; the deleted image's own layers are freed; the kept
    // image, the base layer and their extracted dirs stay.
    const second = await gc(0);
    assert.ok(second.evictedEntries >= 6, JSON.stringify(second));
    assert.equal(second.cacheBytesAfter, 0);
    assert.deepEqual(await server.kiln.app.store.stepCache.listAll(), []);
    for (const d of goneBlobs.layers.slice(1)) assert.equal(await server.blobs.has(d), false, `layer ${d} of the deleted image freed`);
    for (const d of [keptBlobs.manifest, ...keptBlobs.layers]) assert.ok(await server.blobs.has(d), `blob ${d} of the kept image`);
    assert.ok(await server.layers.has(keptBlobs.layers[0]!), 'the base layer stays extracted');

    // The kept image still builds: as a base (its layers are extracted from the blobs) and as a rebuild (the cache is empty).
    const onTop = await buildOk(`RUN test -s /gc-${keptTag}-0 && test -s /gc-${keptTag}-2`, { baseImage: kept.item.imageId!, baseImageType: 'IMAGE' });
    assert.ok(onTop.item.imageId);
    const rebuilt = await buildExisting(server.kiln.clients.v3, kept.pipelineId);
    assert.equal(rebuilt.item.status, 'SUCCESS');
    assert.match(rebuilt.item.message ?? '', /3 step\(s\) run, 0 from the step cache/);
    await assertNoLeftovers(server.kiln.config.dataDir, rebuilt.executionId);
  });

  test('a build running while the collector runs (bound 0, no grace) keeps every layer it uses and reuses', async () => {
    const tag = uniqueName('live');
    const prefix = content(tag, 2);
    const cachedBy = await buildOk(prefix); // the first two steps are now cached
    // ... and only the cache names their layers: the collector would free them, were they not pinned
    await server.kiln.clients.v3.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId: cachedBy.item.imageId! }));
    const sleeper = `${prefix}\nRUN sleep 4 && cat /proc/sys/kernel/random/uuid > /x-${tag}\nRUN echo done > /live-${tag}`;
    const id = await startExecution(server.kiln.clients.v3, await createPipeline(server.kiln.clients.v3, { buildContent: sleeper, baseImage: BUSYBOX, baseImageType: 'IMAGE' }));
    await waitForExecution(server.kiln.clients.v3, id, (e) => /step 3\/4/.test(e.message ?? ''), 'the sleeping step');
    const report = await gc(0);
    assert.ok(report.evictedEntries > 0, JSON.stringify(report));
    const { item } = await waitForExecution(server.kiln.clients.v3, id, isTerminal, 'the end');
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.match(item.message ?? '', /2 from the step cache/);
    const built = await blobsOfImage(item.imageId!);
    for (const d of [built.manifest, ...built.layers]) assert.ok(await server.blobs.has(d), `blob ${d} of the image built during collection`);
    await assertNoLeftovers(server.kiln.config.dataDir, id);
  });
});
