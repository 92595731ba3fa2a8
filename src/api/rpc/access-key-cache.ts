/** What a request's signature check needs of an AccessKey. */
export interface CachedKey {
  secret: string;
  accountId: string;
  status: string;
}

export interface AccessKeyCacheOptions {
  /** How long a key read from the store is used without reading it again (default 500 ms). */
  ttlMs?: number;
  /** Most keys kept; past that the oldest entry is dropped (default 10,000). */
  maxEntries?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** The default TTL: a key disabled on any process is refused by every process within it (issue 11: within 1 s). */
export const ACCESS_KEY_TTL_MS = 500;

/**
 * AccessKeys by id, kept for a moment so that a request does not read its key from the store
 * every time (it was one query of every request).
 *
 * An AccessKey's id, secret and account never change; only its status can, and it is read
 * from the store (shared by every Kiln process) again once the entry is `ttlMs` (500 ms) old.
 * So a key disabled through any process is refused by every process at most `ttlMs` later
 * (plus the request already past its check). The cost is one primary-key read per key per
 * process every `ttlMs`, however many requests it signs: concurrent requests for a key that
 * is not fresh share one read. Keys that do not exist are not kept: a key created a moment
 * ago, by this process or another, works on its first request, and requests with made-up ids
 * cannot fill the cache.
 */
export class AccessKeyCache {
  readonly #load: (id: string) => Promise<CachedKey | undefined>;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { key: CachedKey; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<CachedKey | undefined>>();

  constructor(load: (id: string) => Promise<CachedKey | undefined>, opts: AccessKeyCacheOptions = {}) {
    this.#load = load;
    this.#ttlMs = opts.ttlMs ?? ACCESS_KEY_TTL_MS;
    this.#maxEntries = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The key with this id: from the cache while fresh, else from the store. */
  get(id: string): Promise<CachedKey | undefined> {
    const hit = this.#entries.get(id);
    if (hit !== undefined && hit.expiresAt > this.#now()) return Promise.resolve(hit.key);
    let loading = this.#loading.get(id);
    if (loading === undefined) {
      loading = this.#read(id).finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return loading;
  }

  async #read(id: string): Promise<CachedKey | undefined> {
    // The TTL counts from before the read: an entry is never older than ttlMs counted from the state it saw.
    const readAt = this.#now();
    const key = await this.#load(id);
    this.#entries.delete(id);
    if (key === undefined) return undefined;
    const { secret, accountId, status } = key;
    const entry = { secret, accountId, status };
    this.#entries.set(id, { key: entry, expiresAt: readAt + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return entry;
  }
}
