import type { Descriptor } from './manifest.js';

/** What happened to one blob of a push or pull. */
export type BlobAction = 'exists' | 'mounted' | 'uploaded' | 'downloaded';

/** A push's or pull's progress: the blobs as they start and end, and the bytes moved. */
export interface TransferProgress {
  /** Once, first: the image's blobs (config first) and their total bytes. */
  begin?(blobs: readonly Descriptor[], totalBytes: number): void;
  /** Bytes of a blob moved (for a blob that existed or was mounted, its size; negative when an upload starts over). */
  bytes?(digest: string, bytes: number): void;
  done?(blob: Descriptor, action: BlobAction, from?: string): void;
}
