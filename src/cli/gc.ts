import { join } from 'node:path';
import { LocalBlobStore } from '../blobs/local-blob-store.js';
import type { KilnConfig } from '../config/config.js';
import type { Store } from '../domain/ports.js';
import { collectGarbage } from '../engine/gc/collect-garbage.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { storageQuotasOf } from '../config/storage-quotas.js';

/**
 * `kiln gc [--grace-ms N] [--max-cache-bytes N]`: one garbage collection now (workers also run
 * one after builds); prints what it removed as JSON.
 */
export async function gcCommand(store: Store, config: KilnConfig, args: string[]): Promise<number> {
  const num = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const n = Number(args[i + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
    return n;
  };
  const blobs = new LocalBlobStore(join(config.dataDir, 'blobs'));
  const report = await collectGarbage({
    store, blobs, layers: new LayerStore(config.dataDir, blobs),
    maxCacheBytes: num('--max-cache-bytes', config.cacheMaxBytes),
    graceMs: num('--grace-ms', config.gcGraceMs),
    quotas: storageQuotasOf(config),
  });
  console.log(JSON.stringify(report, null, 2));
  return 0;
}
