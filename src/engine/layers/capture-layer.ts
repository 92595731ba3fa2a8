import type { BlobStore } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
import { diffEntries } from './diff-tar.js';
import { coalesce } from './tar/coalesce.js';
import { writeTar } from './tar/tar-writer.js';

/**
 * Layers are stored uncompressed (`application/vnd.oci.image.layer.v1.tar`): capturing a step
 * then costs about one read and one write of the bytes it changed, not gzip's CPU (tens of MB/s
 * on one core, on the critical path of every step); the blob digest equals the diffID, so no
 * second hash is needed; and the local blob store is on the same disk as the layers anyway.
 * Whatever ships layers elsewhere (an export, a registry push) can gzip on the way out.
 */
export const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';

/** A layer in the blob store, as an OCI manifest and image config name it. */
export interface LayerBlob {
  mediaType: typeof LAYER_MEDIA_TYPE;
  /** Digest of the blob (the manifest's layer digest). */
  digest: Digest;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids`); equal to `digest` here. */
  diffId: Digest;
  size: number;
}

/** A layer's tar grew past the bytes it was allowed (see `captureLayer`); nothing was stored. */
export class LayerTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the layer is larger than ${maxBytes} bytes`);
    this.name = 'LayerTooLargeError';
  }
}

/** Passes the pieces through, throwing `LayerTooLargeError` as soon as they add up to more than `maxBytes`. */
async function* atMost(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const piece of source) {
    bytes += piece.length;
    if (bytes > maxBytes) throw new LayerTooLargeError(maxBytes);
    yield piece;
  }
}

/**
 * Archives a directory of changes (a step's overlay upper dir) as an OCI layer tar into the
 * blob store; see `diffEntries` for what the tar holds. The directory must not change meanwhile.
 * Identical trees give identical digests. With `maxBytes`, a tar that grows past it is
 * abandoned as it is written (the blob store keeps nothing of it) with `LayerTooLargeError`.
 */
export async function captureLayer(upperDir: string, blobs: BlobStore, maxBytes?: number): Promise<LayerBlob> {
  const tar = coalesce(writeTar(diffEntries(upperDir)));
  const { digest, size } = await blobs.put(maxBytes === undefined ? tar : atMost(tar, maxBytes));
  return { mediaType: LAYER_MEDIA_TYPE, digest, diffId: digest, size };
}
