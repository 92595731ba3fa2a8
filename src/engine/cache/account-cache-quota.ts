import type { Repositories, Scope } from '../../domain/ports.js';
import type { StepCacheEntry } from '../../domain/step-cache.js';
import { entriesToEvict, partsOf } from '../gc/lru-eviction.js';

/** The bytes one entry keeps stored: the blobs it names (its layer and /tmp snapshot) and its task output. */
export function entryBytes(e: StepCacheEntry): number {
  return partsOf(e).reduce((n, b) => n + b.size, 0);
}

/** Deletes entries, one statement per region. */
export async function deleteEntries(repos: Repositories, entries: readonly StepCacheEntry[]): Promise<void> {
  const byScope = new Map<string, { scope: Scope; keys: string[] }>();
  for (const e of entries) {
    const id = `${e.accountId}/${e.regionId}`;
    const group = byScope.get(id) ?? { scope: { accountId: e.accountId, regionId: e.regionId }, keys: [] };
    group.keys.push(e.key);
    byScope.set(id, group);
  }
  for (const { scope, keys } of byScope.values()) await repos.stepCache.delete(scope, keys);
}

/**
 * Brings one account's step cache (its entries in every region) within `quotaBytes`: the
 * distinct bytes of the blobs its entries name plus the task output they store (see
 * `partsOf`), least recently used entries evicted first.
 * It evicts rather than refusing new entries, so the cache keeps what the account's builds
 * used last. Entries only go, never blobs: a running build keeps the layers it pinned, and
 * garbage collection frees what nothing references. Returns the evicted entries.
 */
export async function keepWithinQuota(repos: Repositories, accountId: string, quotaBytes: number): Promise<StepCacheEntry[]> {
  if (quotaBytes <= 0) return [];
  const entries = await repos.stepCache.listForAccount(accountId);
  // No grace: the quota holds as soon as the build that went past it flushes.
  const { evict } = entriesToEvict(entries, quotaBytes, Number.POSITIVE_INFINITY, 0);
  await deleteEntries(repos, evict);
  return evict;
}
