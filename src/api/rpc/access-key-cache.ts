/** What a request's signature check needs of an AccessKey. */
export interface CachedKey {
  secret: string;
  accountId: string;
  status: string;
}

export interface AccessKeyCacheOptions {
  /** How long a key read from the store is used without reading it again (default 5,000 ms). */
  ttlMs?: number;
  /** Most keys kept; past that the oldest entry is dropped (default 10,000). */
  maxEntries?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * AccessKeys by id, kept for a few seconds so that a request does not read its key from the
 * store every time (it was one query of every request).
 *
 * An AccessKey's id, secret and account never change; only its status can. So the one effect
 * of the cache is that a status change (a key disabled or enabled) takes effect on this
 * process up to `ttlMs` (5 s) later. Keys that do not exist are not kept: a key created a
 * moment ago, by this process or another, works on its first request, and requests with
 * made-up ids cannot fill the cache.
 */
export class AccessKeyCache {
  readonly #load: (id: string) => Promise<CachedKey | undefined>;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { key: CachedKey; expiresAt: number }>();

  constructor(load: (id: string) => Promise<CachedKey | undefined>, opts: AccessKeyCacheOptions = {}) {
    this.#load = load;
    this.#ttlMs = opts.ttlMs ?? 5_000;
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The key with this id: from the cache while fresh, else from the store. */
  async get(id: string): Promise<CachedKey | undefined> {
    const now = this.#now();
    const hit = this.#entries.get(id);
    if (hit !== undefined && hit.expiresAt > now) return hit.key;
    this.#entries.delete(id);
    const key = await this.#load(id);
    if (key === undefined) return undefined;
    const { secret, accountId, status } = key;
    this.#entries.set(id, { key: { secret, accountId, status }, expiresAt: now + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return key;
  }
}
