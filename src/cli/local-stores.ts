import type { BlobStore } from '../blobs/blob-store.js';
import { blobStoreOf } from '../main/blob-store.js';
import type { KilnConfig } from '../config/config.js';
import { LayerStore } from '../engine/layers/layer-store.js';

/** The data dir's blob store and layer store, as the CLI's commands that read or write images use them. */
export function localStores(config: KilnConfig): { blobs: BlobStore; layers: LayerStore } {
  const blobs = blobStoreOf(config);
  return { blobs, layers: new LayerStore(config.dataDir, blobs) };
}
