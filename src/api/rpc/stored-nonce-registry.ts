import type { SignatureNonceRepository } from '../../domain/ports.js';
import { InMemoryNonceRegistry, type NonceRegistry } from './nonce-registry.js';
import { SIGNATURE_WINDOW_MS } from './signature-time.js';

export interface StoredNonceRegistryOptions {
  /** Least time between two prunes of expired records (default 5,000 ms). */
  pruneEveryMs?: number;
  /** Most records one prune deletes (default 5,000); a full prune lets the next claim prune again. */
  pruneBatch?: number;
  /**
   * How long past its expiry a record is kept before it is pruned (default: one signature
   * window, 15 minutes): the bound on how far this process's clock may run ahead of another's.
   */
  pruneMarginMs?: number;
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
 * - Records are pruned once they expired `pruneMarginMs` ago (a whole window by default),
 *   amortized over claims: at most one prune in flight, at most every `pruneEveryMs`, each a
 *   bounded delete. The margin is for clocks: the processes on one database do not share one,
 *   and a process whose clock runs ahead would otherwise delete a record another process still
 *   treats as live, and the replay would be accepted there. A record lives until request
 *   time + window at least, and a request is accepted only within a window of its time, so a
 *   replay gets through only if the pruning clock runs ahead of the accepting one by more than
 *   the margin. (Taking over an expired record needs no margin: a process accepting a
 *   request's time can never see that request's record as expired, whatever its clock.)
 */
export class StoredNonceRegistry implements NonceRegistry {
  readonly #repo: SignatureNonceRepository;
  readonly #memo: InMemoryNonceRegistry;
  readonly #pruneEveryMs: number;
  readonly #pruneBatch: number;
  readonly #pruneMarginMs: number;
  readonly #onPruneError: (err: unknown) => void;
  #nextPruneAt = 0; // the first claim after a start prunes what expired while the server was down
  #pruning: Promise<void> | undefined;

  constructor(repo: SignatureNonceRepository, opts: StoredNonceRegistryOptions = {}) {
    this.#repo = repo;
    this.#memo = new InMemoryNonceRegistry({ maxEntries: opts.memoEntries ?? 65_536 });
    this.#pruneEveryMs = opts.pruneEveryMs ?? 5_000;
    this.#pruneBatch = opts.pruneBatch ?? 5_000;
    this.#pruneMarginMs = opts.pruneMarginMs ?? SIGNATURE_WINDOW_MS;
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
    this.#pruning = this.#repo.pruneExpired(nowMs - this.#pruneMarginMs, this.#pruneBatch).then(
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
