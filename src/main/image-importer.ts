import { join } from 'node:path';
import type { App } from '../app/app.js';
import { blobStoreOf } from './blob-store.js';
import type { ImageImporter } from '../domain/image-import.js';
import { OssImageImporter } from '../engine/import/oss-image-importer.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { S3AccountObjectStores } from '../oss/account-object-stores.js';

/**
 * ImportImage's importer on this machine: the data dir's blobs and layers, and the configured
 * S3-compatible endpoint as each account may use it (`defaultAccountId` keeps every bucket
 * unless the grant table names it; see `createBuildEngine`).
 */
export function imageImporterOf(app: App, defaultAccountId?: string): ImageImporter {
  const dataDir = app.config.dataDir;
  const blobs = blobStoreOf(app.config);
  const layers = new LayerStore(dataDir, blobs);
  const oss = app.config.oss;
  return new OssImageImporter({
    blobs,
    layers,
    ...(oss ? { oss: { stores: new S3AccountObjectStores(oss, defaultAccountId), scratchDir: join(dataDir, 'tmp', 'oss'), maxObjectBytes: oss.maxObjectBytes } } : {}),
  });
}
