import type { BlobStore } from '../../blobs/blob-store.js';
import type { Scope } from '../../domain/ports.js';
import type { CacheMode, StepCacheEntry } from '../../domain/step-cache.js';
import { entryBytes } from './account-cache-quota.js';
import type { StepCachePort } from './step-cache-port.js';

export interface BuildCacheOptions {
  /** Entries and pins are read and written through it, one write per flush. */
  store: StepCachePort;
  blobs: BlobStore;
  scope: Scope;
  executionId: string;
  mode: CacheMode;
  now?: () => number;
  /** Pending writes are flushed at least this often while a build runs (default 30 s). */
  flushEveryMs?: number;
  /**
   * The account's step-cache quota in bytes (0 or absent: none). Every flush that records
   * entries brings the account's cache, in all its regions, back within it by evicting its least
   * recently used entries; an entry larger than the whole quota is not recorded.
   */
  quotaBytes?: number;
}

/** What a step produced, to record under its key. */
export interface StepResultRecord {
  layerDigest?: string;
  layerSize: number;
  tmpDigest?: string;
  tmpSize?: number;
  output?: string;
}

/**
 * One execution's view of the step cache (its account and region only). Lookups read the
 * store; everything the build writes (new entries, LRU touches, pins of the blobs it uses) is
 * queued and written in one transaction by `flush`, which the build calls before it saves its image and
 * when it ends (whatever the outcome: a build that fails at step k keeps steps 1 … k−1), and
 * which also runs on its own every `flushEveryMs`. So a cached step costs one read and an
 * executed one no extra write.
 */
export class BuildCache {
  hits = 0;
  runs = 0;
  private readonly newEntries = new Map<string, StepCacheEntry>();
  private readonly touched = new Set<string>();
  private readonly pinned = new Set<string>();
  private lastFlush: number;
  private readonly now: () => number;

  constructor(private readonly o: BuildCacheOptions) {
    this.now = o.now ?? Date.now;
    this.lastFlush = this.now();
  }

  get mode(): CacheMode {
    return this.o.mode;
  }

  /**
   * The entry for `key` when the mode allows reuse and every blob it names is still stored;
   * undefined otherwise (the step then runs).
   */
  async lookup(key: string): Promise<StepCacheEntry | undefined> {
    if (this.o.mode !== 'use') return undefined;
    const entry = await this.o.store.get(this.o.scope, key);
    if (!entry) return undefined;
    for (const digest of [entry.layerDigest, entry.tmpDigest]) {
      if (digest !== undefined && !(await this.o.blobs.has(digest))) return undefined;
    }
    this.hits++;
    this.touched.add(key);
    this.pin([entry.layerDigest, entry.tmpDigest]);
    return entry;
  }

  /**
   * Counts a step that ran and pins what it made; records it under `key` unless the cache is
   * off or the step is not cacheable (no key: a fetch from outside).
   */
  async record(key: string | undefined, result: StepResultRecord): Promise<void> {
    this.runs++;
    this.pin([result.layerDigest, result.tmpDigest]);
    if (key === undefined || this.o.mode === 'off') return;
    const at = this.now();
    this.newEntries.set(key, { ...this.o.scope, key, ...result, createdAt: at, lastUsedAt: at });
    if (at - this.lastFlush >= (this.o.flushEveryMs ?? 30_000)) await this.flush();
  }

  /** Queues pins for blobs the build uses (base layers, reused and captured layers). */
  pin(digests: ReadonlyArray<string | undefined>): void {
    for (const d of digests) if (d !== undefined) this.pinned.add(d);
  }

  /**
   * Flushes when entries were reused since the last flush: called before a step runs on top of
   * reused layers, so their pins and LRU times are in the store before the layers are unpacked.
   */
  async flushReused(): Promise<void> {
    if (this.touched.size > 0) await this.flush();
  }

  /** Writes the queued pins, entries and LRU touches. */
  async flush(): Promise<void> {
    this.lastFlush = this.now();
    const pins = [...this.pinned];
    this.pinned.clear();
    const entries = [...this.newEntries.values()];
    this.newEntries.clear();
    const touched = [...this.touched];
    this.touched.clear();
    if (pins.length === 0 && entries.length === 0 && touched.length === 0) return;
    const at = this.lastFlush;
    const quota = this.o.quotaBytes ?? 0;
    // An entry that alone is larger than the quota could never stay: it is not recorded (it
    // would otherwise push every other entry of the account out before being evicted itself).
    const fitting = quota > 0 ? entries.filter((e) => entryBytes(e) <= quota) : entries;
    await this.o.store.write({ scope: this.o.scope, executionId: this.o.executionId, pins, entries: fitting, touched, at, quotaBytes: quota });
  }

  /** A human summary for the execution's Message. */
  summary(): string {
    const reuse = this.o.mode === 'off' ? 'step cache off for this template'
      : this.o.mode === 'refresh' ? 'step cache bypassed for this execution' : `${this.hits} from the step cache`;
    return `${this.runs} step(s) run, ${reuse}`;
  }
}
