import type { StepCacheEntry } from '../../domain/step-cache.js';

/**
 * Which cache entries to evict so the cache holds at most `maxBytes`: least recently used
 * first. The size of the cache is the bytes of the distinct blobs its entries name (entries
 * often share a layer, e.g. the empty one) plus the output each entry stores. Entries used within `graceMs` are never evicted, so
 * a build that just looked one up does not lose it; the bound may then be exceeded for a while.
 */
export function entriesToEvict(entries: readonly StepCacheEntry[], maxBytes: number, nowMs: number, graceMs: number): { evict: StepCacheEntry[]; keep: StepCacheEntry[]; bytesBefore: number; bytesAfter: number } {
  const sizeOf = new Map<string, number>();
  const users = new Map<string, number>();
  for (const e of entries) {
    for (const d of partsOf(e)) {
      sizeOf.set(d.digest, d.size);
      users.set(d.digest, (users.get(d.digest) ?? 0) + 1);
    }
  }
  let bytes = 0;
  for (const size of sizeOf.values()) bytes += size;
  const bytesBefore = bytes;
  const ordered = [...entries].sort((a, b) => a.lastUsedAt - b.lastUsedAt || a.key.localeCompare(b.key));
  const evict: StepCacheEntry[] = [];
  for (const e of ordered) {
    if (bytes <= maxBytes) break;
    if (nowMs - e.lastUsedAt < graceMs) break; // the rest are newer still
    evict.push(e);
    for (const d of partsOf(e)) {
      const left = users.get(d.digest)! - 1;
      users.set(d.digest, left);
      if (left === 0) bytes -= d.size;
    }
  }
  const evicted = new Set(evict);
  return { evict, keep: entries.filter((e) => !evicted.has(e)), bytesBefore, bytesAfter: bytes };
}

/**
 * What an entry keeps stored, with sizes in bytes: the blobs it names (its layer and /tmp
 * snapshot, by digest: entries may share them) and the task output its row holds (its own, under
 * a name no other entry has).
 */
export function partsOf(e: StepCacheEntry): Array<{ digest: string; size: number }> {
  const out: Array<{ digest: string; size: number }> = [];
  if (e.layerDigest) out.push({ digest: e.layerDigest, size: e.layerSize });
  // entries recorded before /tmp sizes were count theirs as one byte
  if (e.tmpDigest) out.push({ digest: e.tmpDigest, size: e.tmpSize ?? 1 });
  if (e.output) out.push({ digest: `output of ${e.accountId}/${e.regionId}/${e.key}`, size: Buffer.byteLength(e.output, 'utf8') });
  return out;
}
