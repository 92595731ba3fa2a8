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

/** Data a blob can be written from. */
export type BlobSource = Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>;

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
 * - `delete` removes a blob; resolves `false` when it was not there.
 */
export interface BlobStore {
  put(data: BlobSource, options?: PutOptions): Promise<BlobInfo>;
  get(digest: string): Promise<Readable>;
  has(digest: string): Promise<boolean>;
  /** Size in bytes, or `undefined` when absent. */
  size(digest: string): Promise<number | undefined>;
  path?(digest: string): Promise<string | undefined>;
  delete(digest: string): Promise<boolean>;
}
