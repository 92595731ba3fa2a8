import type { LocalBlobStore } from '../../blobs/local-blob-store.js';
import type { Scope, Store } from '../../domain/ports.js';
import type { LayerStore } from '../layers/layer-store.js';
import { gcRoots } from './gc-roots.js';
import { entriesToEvict } from './lru-eviction.js';

export interface GcOptions {
  store: Store;
  blobs: LocalBlobStore;
  layers: LayerStore;
  /** The step cache's size bound in bytes (least recently used entries are evicted past it). */
  maxCacheBytes: number;
  /** Nothing written or used more recently than this is removed (default 10 minutes). */
  graceMs?: number;
  now?: () => number;
}

/** What one collection did. */
export interface GcReport {
  evictedEntries: number;
  cacheBytesBefore: number;
  cacheBytesAfter: number;
  deletedBlobs: number;
  freedBytes: number;
  deletedLayerDirs: number;
}

export const DEFAULT_GC_GRACE_MS = 10 * 60_000;

/**
 * Garbage collection of the blob store, the extracted layers and the step cache (mark and
 * sweep). First the step cache is brought under its size bound (least recently used entries
 * first); then every blob that no image, base image, cache entry or running execution
 * references (see `gcRoots`) is deleted, with the extracted layer directories of the deleted
 * blobs. Several processes may collect at once: every deletion is idempotent.
 *
 * A running build never loses a layer it uses: its base layers, the cached layers it reuses and
 * the layers it captured are pinned (blob_pins) or named by cache entries it just wrote or
 * touched, and anything written or used within `graceMs` is kept whatever references it, which
 * covers the moments between a blob's write and the row that references it.
 */
export async function collectGarbage(o: GcOptions): Promise<GcReport> {
  const now = (o.now ?? Date.now)();
  const grace = o.graceMs ?? DEFAULT_GC_GRACE_MS;
  const all = await o.store.stepCache.listAll();
  const lru = entriesToEvict(all, o.maxCacheBytes, now, grace);
  const byScope = new Map<string, { scope: Scope; keys: string[] }>();
  for (const e of lru.evict) {
    const id = `${e.accountId}/${e.regionId}`;
    const group = byScope.get(id) ?? { scope: { accountId: e.accountId, regionId: e.regionId }, keys: [] };
    group.keys.push(e.key);
    byScope.set(id, group);
  }
  for (const { scope, keys } of byScope.values()) await o.store.stepCache.delete(scope, keys);

  // Roots first, pins pruned last: a pin read here protects its blob even if its build ends meanwhile.
  const roots = await gcRoots({ store: o.store, blobs: o.blobs, baseImagesDir: o.layers.baseImagesDir, entries: lru.keep });
  let deletedBlobs = 0;
  let freedBytes = 0;
  for await (const blob of o.blobs.list()) {
    if (roots.has(blob.digest) || now - blob.writtenAtMs < grace) continue;
    if (await o.blobs.delete(blob.digest)) {
      deletedBlobs++;
      freedBytes += blob.size;
    }
  }

  // Extracted layers: kept when their diffID or a blob that unpacks to them is still a root.
  const records = await o.layers.digestRecords();
  const liveDiffIds = new Set<string>();
  for (const [digest, diffId] of records) {
    if (roots.has(digest)) liveDiffIds.add(diffId);
    else if (!(await o.blobs.has(digest))) await o.layers.forgetDigest(digest);
  }
  let deletedLayerDirs = 0;
  for (const layer of await o.layers.list()) {
    if (roots.has(layer.diffId) || liveDiffIds.has(layer.diffId) || now - layer.madeAtMs < grace) continue;
    await o.layers.remove(layer.diffId);
    deletedLayerDirs++;
  }
  await o.store.blobPins.pruneInactive();
  await o.blobs.removeStaleTemporaries(now - grace);
  await o.layers.removeStaleStaging(now - grace);
  return { evictedEntries: lru.evict.length, cacheBytesBefore: lru.bytesBefore, cacheBytesAfter: lru.bytesAfter, deletedBlobs, freedBytes, deletedLayerDirs };
}
