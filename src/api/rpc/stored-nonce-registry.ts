import type { SignatureNonceRepository } from '../../domain/ports.js';
import { InMemoryNonceRegistry, type NonceRegistry } from './nonce-registry.js';

export interface StoredNonceRegistryOptions {
  /** Least time between two prunes of expired records (default 5,000 ms). */
  pruneEveryMs?: number;
  /** Most records one prune deletes (default 5,000); a full prune lets the next claim prune again. */
  pruneBatch?: number;
  /** Records remembered in this process to refuse a replay without asking the store (default 65,536). */
  memoEntries?: number;
  /** Where a failed prune is reported (it is retried later; claims are not affected). */
  onPruneError?(err: unknown): void;
}

/**
 * The server's {@link NonceRegistry}: nonces live in the store, so a replay is refused after a
 * restart (even a `kill -9`: a claim resolves only once it is committed) and by every API
 * process on the same database.
 *
 * - The store is the authority: a claim is an atomic insert-if-absent there
 *   (`SignatureNonceRepository.claim`), so of two processes claiming one nonce, one wins.
 * - A small in-process memo of the nonces this process won answers a replay to this process at
 *   once (a fast negative). A nonce it does not hold always goes to the store: forgetting only
 *   costs a query.
 * - Records are pruned after they expire (the signature window), amortized over claims: at
 *   most one prune in flight, at most every `pruneEveryMs`, each a bounded delete.
 */
export class StoredNonceRegistry implements NonceRegistry {
  readonly #repo: SignatureNonceRepository;
  readonly #memo: InMemoryNonceRegistry;
  readonly #pruneEveryMs: number;
  readonly #pruneBatch: number;
  readonly #onPruneError: (err: unknown) => void;
  #nextPruneAt = 0; // the first claim after a start prunes what expired while the server was down
  #pruning: Promise<void> | undefined;

  constructor(repo: SignatureNonceRepository, opts: StoredNonceRegistryOptions = {}) {
    this.#repo = repo;
    this.#memo = new InMemoryNonceRegistry({ maxEntries: opts.memoEntries ?? 65_536 });
    this.#pruneEveryMs = opts.pruneEveryMs ?? 5_000;
    this.#pruneBatch = opts.pruneBatch ?? 5_000;
    this.#onPruneError = opts.onPruneError ?? (() => {});
  }

  async claim(accessKeyId: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean> {
    this.#maybePrune(now.getTime());
    if (this.#memo.isRecorded(accessKeyId, nonce, now)) return false;
    const won = await this.#repo.claim(accessKeyId, nonce, expiresAt.getTime(), now.getTime());
    // Only a won claim's expiry is known to be the store's; a lost one is left to the store.
    if (won) this.#memo.claim(accessKeyId, nonce, expiresAt, now);
    return won;
  }

  /** Waits for a prune in flight (call before closing the store). */
  async close(): Promise<void> {
    this.#nextPruneAt = Number.POSITIVE_INFINITY;
    await this.#pruning;
  }

  #maybePrune(nowMs: number): void {
    if (this.#pruning !== undefined || nowMs < this.#nextPruneAt) return;
    this.#nextPruneAt = nowMs + this.#pruneEveryMs;
    this.#pruning = this.#repo.pruneExpired(nowMs, this.#pruneBatch).then(
      (deleted) => {
        // More may be waiting: let the next claim go on with them.
        if (deleted >= this.#pruneBatch && Number.isFinite(this.#nextPruneAt)) this.#nextPruneAt = 0;
      },
      (err: unknown) => this.#onPruneError(err),
    ).finally(() => {
      this.#pruning = undefined;
    });
  }
}
