import { join } from 'node:path';
import type { App } from '../app/app.js';
import { blobStoreOf } from './blob-store.js';
import type { ImageExporter } from '../domain/image-export.js';
import { OssImageExporter } from '../engine/export/oss-image-exporter.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { S3AccountObjectStores } from '../oss/account-object-stores.js';

/**
 * ExportImage's exporter on this machine: the data dir's blobs and layers, and the configured
 * S3-compatible endpoint as each account may use it (`defaultAccountId` keeps every bucket
 * unless the grant table names it; see `createBuildEngine`).
 */
export function imageExporterOf(app: App, defaultAccountId?: string): ImageExporter {
  const dataDir = app.config.dataDir;
  const blobs = blobStoreOf(app.config);
  const layers = new LayerStore(dataDir, blobs);
  const oss = app.config.oss;
  return new OssImageExporter({
    blobs,
    layers,
    ...(oss ? { oss: { stores: new S3AccountObjectStores(oss, defaultAccountId), scratchDir: join(dataDir, 'tmp', 'oss'), maxObjectBytes: oss.maxObjectBytes } } : {}),
  });
}
