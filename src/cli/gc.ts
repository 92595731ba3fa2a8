import { blobStoreOf } from '../main/blob-store.js';
import type { KilnConfig } from '../config/config.js';
import type { Store } from '../domain/ports.js';
import { collectGarbage } from '../engine/gc/collect-garbage.js';
import { LayerStore } from '../engine/layers/layer-store.js';
import { storageQuotasOf } from '../config/storage-quotas.js';
import { nonNegativeInt, parseCommand } from './args.js';

export const GC_USAGE = 'usage: kiln gc [--grace-ms N] [--max-cache-bytes N]';

/** What `kiln gc` was told; absent: the configured `gcGraceMs` and `cacheMaxBytes`. */
export interface GcOptions {
  graceMs?: number;
  maxCacheBytes?: number;
}

/** `kiln gc`'s flags, checked (a UsageError for anything else) before anything is opened. */
export function gcOptions(args: string[]): GcOptions {
  const { values } = parseCommand('gc', GC_USAGE, args, { 'grace-ms': { type: 'string' }, 'max-cache-bytes': { type: 'string' } });
  const graceMs = nonNegativeInt('gc', GC_USAGE, '--grace-ms', values['grace-ms']);
  const maxCacheBytes = nonNegativeInt('gc', GC_USAGE, '--max-cache-bytes', values['max-cache-bytes']);
  return { ...(graceMs !== undefined ? { graceMs } : {}), ...(maxCacheBytes !== undefined ? { maxCacheBytes } : {}) };
}

/**
 * `kiln gc [--grace-ms N] [--max-cache-bytes N]`: one garbage collection now (workers also run
 * one after builds); prints what it removed as JSON.
 */
export async function gcCommand(store: Store, config: KilnConfig, options: GcOptions): Promise<number> {
  const blobs = blobStoreOf(config);
  const report = await collectGarbage({
    store, blobs, layers: new LayerStore(config.dataDir, blobs),
    maxCacheBytes: options.maxCacheBytes ?? config.cacheMaxBytes,
    graceMs: options.graceMs ?? config.gcGraceMs,
    quotas: storageQuotasOf(config),
  });
  console.log(JSON.stringify(report, null, 2));
  return 0;
}
