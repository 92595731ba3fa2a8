import { createHash } from 'node:crypto';

/**
 * Remembers signature nonces so a signed request cannot be replayed.
 * A nonce is scoped to one AccessKey: two keys may use the same nonce.
 */
export interface NonceRegistry {
  /**
   * Records `nonce` for `accessKeyId` until `expiresAt`. Returns `true` when the nonce was
   * free (now recorded), `false` when it is already recorded and not yet expired at `now`.
   */
  claim(accessKeyId: string, nonce: string, expiresAt: Date, now: Date): boolean | Promise<boolean>;
}

export interface InMemoryNonceRegistryOptions {
  /** Most nonces kept at once (default 1,000,000). When full, the oldest record is dropped. */
  maxEntries?: number;
  /** Expired records removed per `claim` (default 8); amortised O(1) per request. */
  sweepPerClaim?: number;
}

/**
 * A process-local {@link NonceRegistry}: a `Map` in insertion order, which is (nearly) expiry
 * order because expiries are "request time + window". Each claim removes a few expired records
 * from the oldest end, so memory follows the request rate of the last window; a record holds a
 * digest of its AccessKey and nonce, not the nonce, so its size is fixed. The map is also
 * capped: past `maxEntries` the oldest record is dropped even if unexpired (size the cap above
 * peak requests-per-15-minutes; `droppedUnexpired` counts such drops). Not shared between
 * processes and lost on restart: the server uses `StoredNonceRegistry`
 * (stored-nonce-registry.ts), with one of these in front of the store only as a memo.
 */
export class InMemoryNonceRegistry implements NonceRegistry {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly sweepPerClaim: number;
  /** Unexpired records dropped because the registry was full (a replay risk if this grows). */
  droppedUnexpired = 0;

  constructor(options: InMemoryNonceRegistryOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 1_000_000);
    this.sweepPerClaim = Math.max(1, options.sweepPerClaim ?? 8);
  }

  /** Number of records currently held (expired ones may linger until swept). */
  get size(): number {
    return this.entries.size;
  }

  /** True when `nonce` is recorded for `accessKeyId` and not expired at `now` (records nothing). */
  isRecorded(accessKeyId: string, nonce: string, now: Date): boolean {
    const expiry = this.entries.get(keyOf(accessKeyId, nonce));
    return expiry !== undefined && expiry > now.getTime();
  }

  claim(accessKeyId: string, nonce: string, expiresAt: Date, now: Date): boolean {
    const nowMs = now.getTime();
    this.sweep(nowMs);
    const key = keyOf(accessKeyId, nonce);
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (existing > nowMs) return false;
      this.entries.delete(key); // expired: re-insert at the young end
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.entries().next().value as [string, number];
      this.entries.delete(oldest[0]);
      if (oldest[1] > nowMs) this.droppedUnexpired++;
    }
    this.entries.set(key, expiresAt.getTime());
    return true;
  }

  private sweep(nowMs: number): void {
    let budget = this.sweepPerClaim;
    for (const [key, expiry] of this.entries) {
      if (budget-- === 0 || expiry > nowMs) return;
      this.entries.delete(key);
    }
  }
}

/**
 * A record's key: a digest of the AccessKey and the nonce, so a record costs the same however
 * long the nonce (the nonce text itself is never kept; a long one would otherwise stay in
 * memory for the whole window).
 */
function keyOf(accessKeyId: string, nonce: string): string {
  return createHash('sha256').update(`${accessKeyId.length}:${accessKeyId}:`, 'utf8').update(nonce, 'utf8').digest('base64');
}
