import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';

/** What `put` stored: the content digest and its size in bytes. */
export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface PutOptions {
  /** When given, the content must hash to this digest or `put` fails and stores nothing. */
  expectedDigest?: string;
}

export interface DeleteOptions {
  /**
   * Delete only when the blob's last write (as `list` reports it, read again now) is before this
   * epoch ms: garbage collection passes its grace's edge, so a put of the blob by another process
   * or host since the collection listed it keeps the blob.
   */
  writtenBeforeMs?: number;
}

/** Data a blob can be written from. */
export type BlobSource = Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** A blob as `list` reports it. */
export interface StoredBlob {
  digest: string;
  size: number;
  /**
   * Epoch ms of its last write: the first `put`, or a later `put` of the same bytes (which
   * refreshes it, so garbage collection's grace covers a blob a build has just put again).
   */
  writtenAtMs: number;
}

/** Thrown by `get` for a digest the store does not hold. */
export class BlobNotFoundError extends Error {
  constructor(readonly digest: string) {
    super(`blob not found: ${digest}`);
    this.name = 'BlobNotFoundError';
  }
}

/** Thrown by `put` when the content does not hash to `expectedDigest`. */
export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/**
 * A content-addressed blob store (OCI manifests, configs, layers). Blobs are immutable and
 * named by the sha256 of their bytes.
 *
 * Contract:
 * - `put` stores the bytes and returns their digest; it is durable when it resolves (a crash
 *   afterwards loses nothing), atomic (a reader never sees a partial blob) and idempotent
 *   (putting the same bytes again is a no-op that returns the same digest).
 * - `get` streams a blob; throws `BlobNotFoundError` when absent.
 * - `path` (optional) gives a local file path for stores that keep blobs on this machine,
 *   so callers can avoid a copy (e.g. extracting a layer); `undefined` when absent.
 * - `delete` removes a blob; resolves `false` when it was not there (or, with `writtenBeforeMs`,
 *   was written again since).
 * - `list` yields every blob with its size and the time of its last write (see `StoredBlob`);
 *   garbage collection deletes what no root names and was written longer ago than its grace.
 *   Several processes (and hosts, on a shared object store) may put, list and delete at once.
 */
export interface BlobStore {
  put(data: BlobSource, options?: PutOptions): Promise<BlobInfo>;
  get(digest: string): Promise<Readable>;
  has(digest: string): Promise<boolean>;
  /** Size in bytes, or `undefined` when absent. */
  size(digest: string): Promise<number | undefined>;
  path?(digest: string): Promise<string | undefined>;
  delete(digest: string, options?: DeleteOptions): Promise<boolean>;
  list(): AsyncIterable<StoredBlob>;
  /**
   * Removes what unfinished writes of processes that no longer run left behind (staging files,
   * and anything of the store's own older than `beforeMs`); returns how many were removed.
   */
  removeStaleTemporaries(beforeMs?: number): Promise<number>;
}
