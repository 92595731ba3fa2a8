import type { Scope, Store } from '../../domain/ports.js';
import type { StepCacheEntry } from '../../domain/step-cache.js';
import { keepWithinQuota } from './account-cache-quota.js';

/** What one flush of a build's step cache writes (see `BuildCache.flush`). */
export interface StepCacheWrite {
  scope: Scope;
  executionId: string;
  /** Blobs the build uses, pinned for it until it ends (see gc/collect-garbage.ts). */
  pins: readonly string[];
  /** New entries (already within the quota each). */
  entries: readonly StepCacheEntry[];
  /** Keys reused, marked as used at `at` (epoch ms) for the LRU order. */
  touched: readonly string[];
  at: number;
  /** The account's step-cache quota in bytes (0: none); with new entries the account's cache is brought back within it. */
  quotaBytes: number;
}

/**
 * The step cache as the engine needs it: a lookup, and one atomic write per flush. The engine
 * is given this port, not the store.
 */
export interface StepCachePort {
  get(scope: Scope, key: string): Promise<StepCacheEntry | undefined>;
  /** Writes pins, entries and touches in one transaction, then evicts past the quota in it. */
  write(w: StepCacheWrite): Promise<void>;
}

/** The step cache port on the store's repositories. */
export function storeStepCache(store: Store): StepCachePort {
  return {
    get: (scope, key) => store.stepCache.get(scope, key),
    write: (w) => store.transaction(async (tx) => {
      if (w.pins.length > 0) await tx.blobPins.pin(w.executionId, w.pins);
      if (w.entries.length > 0) await tx.stepCache.put(w.entries);
      if (w.touched.length > 0) await tx.stepCache.touch(w.scope, w.touched, w.at);
      // Evicted entries' blobs stay while this build pins them; garbage collection frees the rest.
      if (w.entries.length > 0 && w.quotaBytes > 0) await keepWithinQuota(tx, w.scope.accountId, w.quotaBytes);
    }),
  };
}
