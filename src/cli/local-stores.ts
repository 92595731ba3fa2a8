import { join } from 'node:path';
import { LocalBlobStore } from '../blobs/local-blob-store.js';
import type { KilnConfig } from '../config/config.js';
import { LayerStore } from '../engine/layers/layer-store.js';

/** The data dir's blob store and layer store, as the CLI's commands that read or write images use them. */
export function localStores(config: Pick<KilnConfig, 'dataDir'>): { blobs: LocalBlobStore; layers: LayerStore } {
  const blobs = new LocalBlobStore(join(config.dataDir, 'blobs'));
  return { blobs, layers: new LayerStore(config.dataDir, blobs) };
}
