import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { Store } from '../../domain/ports.js';
import type { StepCacheEntry } from '../../domain/step-cache.js';
import { imageBlobDigests } from '../image/oci-image.js';

/**
 * The blobs garbage collection must keep: every account image's manifest with its config and
 * layers, the system base images (recorded in the store for every host, or in `base-images/`), the
 * step cache's entries (layers and /tmp snapshots), and whatever running executions pinned.
 */
export async function gcRoots(o: { store: Store; blobs: BlobStore; baseImagesDir: string; entries: readonly StepCacheEntry[] }): Promise<Set<string>> {
  const roots = new Set<string>();
  for (const manifestDigest of await o.store.images.allManifestDigests()) {
    roots.add(manifestDigest);
    // a missing or unreadable manifest keeps nothing more
    for (const d of await imageBlobDigests(o.blobs, manifestDigest).catch(() => [] as string[])) roots.add(d);
  }
  for (const base of await o.store.baseImages.list()) {
    roots.add(base.digest);
    roots.add(base.diffId);
  }
  // this machine's record files from before the records were shared (and those of a layer store without a store)
  for (const name of await readdir(o.baseImagesDir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    const record = JSON.parse(await readFile(join(o.baseImagesDir, name), 'utf8').catch(() => '{}')) as { digest?: string; diffId?: string };
    if (record.digest) roots.add(record.digest);
    if (record.diffId) roots.add(record.diffId);
  }
  for (const e of o.entries) {
    if (e.layerDigest) roots.add(e.layerDigest);
    if (e.tmpDigest) roots.add(e.tmpDigest);
  }
  for (const d of await o.store.blobPins.activeDigests()) roots.add(d);
  return roots;
}
