/**
 * An image's layers as the console shows them (`GET …/images/{ImageId}/layers`), and the port
 * through which the app reads them from the image's OCI manifest and config (the engine reads
 * the blob store; `main/` wires it).
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

/** Reads an image's layers from its content. */
export interface ImageLayerReader {
  /**
   * The layers of the image whose OCI manifest is `manifestDigest`, bottom first. Rejects (a
   * server fault: the store is damaged) when the manifest or its config is missing, larger than
   * a manifest or config can be, or not the OCI JSON Kiln writes.
   */
  layers(manifestDigest: string): Promise<ImageLayer[]>;
}
