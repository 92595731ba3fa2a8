import type { Readable } from 'node:stream';

/**
 * An object store reached the way the cloud's Image Builder reaches OSS: buckets of objects
 * named by key, read and written by the engine on the host (so builds whose instance has no
 * internet still reach it). The default adapter speaks S3 to a configured endpoint
 * (`s3-object-store.ts`). Every failure is an `ObjectStoreError` with a kind the engine maps
 * to the service's error codes.
 */
export interface ObjectStore {
  /** A human-readable place for messages, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  /** Opens an object for reading; `size` is its length in bytes when the store says it. */
  get(bucket: string, key: string, signal?: AbortSignal): Promise<StoredObject>;
  /** Writes (or replaces) an object with `size` bytes read from `body`. */
  put(bucket: string, key: string, body: Readable, size: number, signal?: AbortSignal): Promise<void>;
  /**
   * Copies an object within a bucket on the store's side (one request: the object appears
   * under `toKey` whole or not at all). An export uploads under a temporary key and copies, so
   * that an upload cut short (which some S3-compatible servers keep as a partial object) never
   * shows under the final name.
   */
  copy(bucket: string, fromKey: string, toKey: string, signal?: AbortSignal): Promise<void>;
  /** Removes an object (no error when it is not there). */
  delete(bucket: string, key: string, signal?: AbortSignal): Promise<void>;
  /**
   * Uploads a local file of `size` bytes as one object by multipart upload, one part of
   * `partBytes` at a time (read from the file, never held whole): the object appears when the
   * upload completes; on any failure or abort the upload is aborted, so nothing stays.
   * `onBytes` is told as each part is sent.
   */
  putFile(bucket: string, key: string, file: string, size: number, options: MultipartOptions): Promise<void>;
}

export interface MultipartOptions {
  partBytes: number;
  signal?: AbortSignal;
  onBytes?(bytes: number): void;
  /** User metadata stored with the object (`x-amz-meta-<name>`). */
  metadata?: Record<string, string>;
}

/**
 * The object store as each account may use it. `roleName` is the RAM role the cloud would
 * assume for the access (an import's `ImportImageOptions.RoleName`, the service-linked role for
 * OSSDownload/OSSUpload): the store answers with what that account and role are granted, and
 * refuses every other bucket as `AccessDenied` before sending anything.
 */
export interface AccountObjectStores {
  storeFor(accountId: string, roleName: string): ObjectStore;
}

export interface StoredObject {
  body: Readable;
  size?: number;
}

/**
 * - `NotFound`: no such object or no such bucket;
 * - `AccessDenied`: the store refused the credentials or the operation;
 * - `Unavailable`: the store could not be reached or failed on its side (5xx, network);
 * - `Failed`: anything else the store answered.
 */
export type ObjectStoreErrorKind = 'NotFound' | 'AccessDenied' | 'Unavailable' | 'Failed';

export class ObjectStoreError extends Error {
  constructor(
    readonly kind: ObjectStoreErrorKind,
    message: string,
    /** The store's own error code (e.g. S3's `NoSuchKey`), when it gave one. */
    readonly storeCode?: string,
  ) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}
