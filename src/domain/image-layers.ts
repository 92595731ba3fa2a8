/**
 * An image's layers as the console shows them (`GET …/images/{ImageId}/layers`), and the port
 * through which the app reads the small OCI documents (manifest, config) that list them from
 * the blob store (implemented over the blob store and wired in `main/`).
 */

/** One layer of an image, bottom first. */
export interface ImageLayer {
  /** The layer blob's digest (`sha256:…`). */
  digest: string;
  /** Its size in bytes, as the manifest records it. */
  size: number;
  /** What made it: the `created_by` of the config's history entry for it (the build step), or empty. */
  createdBy: string;
}

/** Reads whole blobs that are small by nature (OCI manifests and configs). */
export interface SmallBlobReader {
  /**
   * The bytes of blob `digest`, read whole. Rejects when the store does not hold it, and when
   * it is larger than `maxBytes` (before more than that is read into memory).
   */
  read(digest: string, maxBytes: number): Promise<Buffer>;
}
