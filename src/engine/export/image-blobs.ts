import type { BlobStore } from '../../blobs/blob-store.js';
import { isDigest } from '../../blobs/digest.js';
import { MAX_JSON_BYTES } from '../image/import-image.js';

/** A content descriptor of an OCI manifest. */
export interface BlobDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** What an export needs to know of a stored image: its manifest (raw bytes kept) and config. */
export interface StoredImage {
  manifest: BlobDescriptor;
  config: BlobDescriptor;
  layers: BlobDescriptor[];
  /** The config as parsed JSON (for `created`, and the docker archive's needs). */
  configJson: { created?: string; rootfs?: { diff_ids?: string[] } };
}

async function readBlob(blobs: BlobStore, digest: string, what: string): Promise<Buffer> {
  const size = await blobs.size(digest);
  if (size === undefined) throw new Error(`the image's ${what} ${digest} is not in the blob store`);
  if (size > MAX_JSON_BYTES) throw new Error(`the image's ${what} ${digest} has ${size} bytes, more than ${MAX_JSON_BYTES}`);
  const chunks: Buffer[] = [];
  for await (const c of await blobs.get(digest)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function descriptor(d: unknown, what: string): BlobDescriptor {
  const o = d as Partial<BlobDescriptor> | undefined;
  if (!o || typeof o.digest !== 'string' || !isDigest(o.digest) || typeof o.size !== 'number' || typeof o.mediaType !== 'string') {
    throw new Error(`the image's ${what} descriptor is malformed`);
  }
  return { mediaType: o.mediaType, digest: o.digest, size: o.size };
}

/** Reads the manifest `manifestDigest` and its config from the blob store (each bounded in size, checked in shape). */
export async function readStoredImage(blobs: BlobStore, manifestDigest: string): Promise<StoredImage> {
  const raw = await readBlob(blobs, manifestDigest, 'manifest');
  const m = JSON.parse(raw.toString('utf8')) as { mediaType?: string; config?: unknown; layers?: unknown[] };
  if (!Array.isArray(m.layers)) throw new Error(`the image's manifest ${manifestDigest} lists no layers`);
  const config = descriptor(m.config, 'config');
  const layers = m.layers.map((l, i) => descriptor(l, `layer ${i}`));
  const configJson = JSON.parse((await readBlob(blobs, config.digest, 'config')).toString('utf8')) as StoredImage['configJson'];
  const manifest = { mediaType: m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: raw.length };
  return { manifest, config, layers, configJson };
}

/** The image's creation time in whole seconds (0 when its config has none): the fixed time of everything an export writes. */
export function createdSeconds(image: StoredImage): number {
  const t = Date.parse(image.configJson.created ?? '');
  return Number.isFinite(t) && t > 0 ? Math.floor(t / 1000) : 0;
}
