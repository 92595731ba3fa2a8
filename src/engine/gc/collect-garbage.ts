import type { BlobStore } from '../../blobs/blob-store.js';
import type { Store } from '../../domain/ports.js';
import type { StepCacheEntry } from '../../domain/step-cache.js';
import type { StorageQuotasOf } from '../../domain/storage-quota.js';
import { deleteEntries } from '../cache/account-cache-quota.js';
import { readImage } from '../image/oci-image.js';
import type { LayerStore } from '../layers/layer-store.js';
import { gcRoots } from './gc-roots.js';
import { entriesToEvict } from './lru-eviction.js';

export interface GcOptions {
  store: Store;
  blobs: BlobStore;
  layers: LayerStore;
  /** The step cache's size bound in bytes (least recently used entries are evicted past it). */
  maxCacheBytes: number;
  /** Each account's quotas: its cache entries are brought within its cache quota first (after a lowered quota, say). */
  quotas?: StorageQuotasOf;
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
 * sweep). First the step cache is brought under each account's cache quota and then under its
 * global size bound (least recently used entries first), and the layers of image manifests
 * made before their layers were recorded are recorded (the image quota counts them); then
 * every blob that no image, base image, cache entry or running execution references (see
 * `gcRoots`) is deleted, with the extracted layer directories of the deleted blobs, and the
 * layer records of manifests no image names. Several processes may collect at once: every
 * deletion is idempotent.
 *
 * A running build never loses a layer it uses: its base layers, the cached layers it reuses and
 * the layers it captured are pinned (blob_pins) or named by cache entries it just wrote or
 * touched, and anything written or used within `graceMs` is kept whatever references it, which
 * covers the moments between a blob's write and the row that references it.
 *
 * On a blob store that several hosts share (`s3://`), any host may collect: the roots are in the
 * shared database, and a blob's age is its last write as the store lists it, where a put of a
 * blob already there (its upload skipped) counts as a write. So a blob another host's running
 * build has just put, or put again, is kept for `graceMs` whatever this host knows. The contract:
 * every host uses the same database and the same grace, a build records or pins what it put
 * within the grace, and the hosts' clocks agree with the store's to well within the grace.
 */
export async function collectGarbage(o: GcOptions): Promise<GcReport> {
  const now = (o.now ?? Date.now)();
  const grace = o.graceMs ?? DEFAULT_GC_GRACE_MS;
  const all = await o.store.stepCache.listAll();
  const overQuota = accountEvictions(all, o.quotas, now, grace);
  const lru = entriesToEvict(all.filter((e) => !overQuota.has(e)), o.maxCacheBytes, now, grace);
  lru.evict.push(...overQuota);
  await deleteEntries(o.store, lru.evict);
  await recordImageLayers(o.store, o.blobs);

  // Roots first, pins pruned last: a pin read here protects its blob even if its build ends meanwhile.
  const roots = await gcRoots({ store: o.store, blobs: o.blobs, baseImagesDir: o.layers.baseImagesDir, entries: lru.keep });
  let deletedBlobs = 0;
  let freedBytes = 0;
  for await (const blob of o.blobs.list()) {
    if (roots.has(blob.digest) || now - blob.writtenAtMs < grace) continue;
    if (await o.blobs.delete(blob.digest, { writtenBeforeMs: now - grace })) {
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
  await o.store.images.pruneLayerRecords();
  await o.blobs.removeStaleTemporaries(now - grace);
  await o.layers.removeStaleStaging(now - grace);
  return { evictedEntries: lru.evict.length, cacheBytesBefore: lru.bytesBefore, cacheBytesAfter: lru.bytesAfter, deletedBlobs, freedBytes, deletedLayerDirs };
}

/** Entries over their account's cache quota (least recently used first, none used within `graceMs`). */
function accountEvictions(entries: readonly StepCacheEntry[], quotas: StorageQuotasOf | undefined, now: number, grace: number): Set<StepCacheEntry> {
  const out = new Set<StepCacheEntry>();
  if (!quotas) return out;
  const byAccount = new Map<string, StepCacheEntry[]>();
  for (const e of entries) {
    const list = byAccount.get(e.accountId);
    if (list) list.push(e);
    else byAccount.set(e.accountId, [e]);
  }
  for (const [accountId, mine] of byAccount) {
    const quota = quotas(accountId).cacheBytes;
    if (quota > 0) for (const e of entriesToEvict(mine, quota, now, grace).evict) out.add(e);
  }
  return out;
}

/** Records the layers of image manifests that have none recorded (images made before the records), for the image quota. */
async function recordImageLayers(store: Store, blobs: BlobStore): Promise<void> {
  for (const manifestDigest of await store.images.unrecordedManifests()) {
    const image = await readImage(blobs, manifestDigest).catch(() => undefined); // a missing manifest stays unrecorded
    if (image) await store.images.recordLayers(manifestDigest, image.layers.map((l) => ({ digest: l.digest, size: l.size })));
  }
}
