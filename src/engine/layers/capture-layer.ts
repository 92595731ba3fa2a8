import type { BlobStore } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
import { diffEntries, TreeTooLargeError } from './diff-tar.js';
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

/**
 * A layer grew past the bytes it was allowed (see `captureLayer`); nothing was stored.
 * `files`: its files alone hold more than `maxBytes` (sparse files at their full size), found
 * before their bytes were written; otherwise the tar grew past it as it was written.
 */
export class LayerTooLargeError extends Error {
  constructor(readonly maxBytes: number, readonly files = false) {
    super(files ? `the layer's files hold more than ${maxBytes} bytes` : `the layer is larger than ${maxBytes} bytes`);
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
 * A tar has no holes: a sparse file is archived at its logical size, so the files' sizes are
 * checked before their bytes are read, against the smaller of `maxBytes` and `maxFileBytes`
 * (e.g. the instance's disk): a 50 TiB sparse file fails at once, `LayerTooLargeError` with
 * `files` set, instead of writing up to the bound first.
 */
export async function captureLayer(upperDir: string, blobs: BlobStore, maxBytes?: number, maxFileBytes?: number): Promise<LayerBlob> {
  const bounds = [maxBytes, maxFileBytes].filter((b): b is number => b !== undefined);
  const fileBound = bounds.length > 0 ? Math.min(...bounds) : undefined;
  const tar = coalesce(writeTar(diffEntries(upperDir, fileBound)));
  try {
    const { digest, size } = await blobs.put(maxBytes === undefined ? tar : atMost(tar, maxBytes));
    return { mediaType: LAYER_MEDIA_TYPE, digest, diffId: digest, size };
  } catch (err) {
    if (err instanceof TreeTooLargeError) throw new LayerTooLargeError(err.maxBytes, true);
    throw err;
  }
}
