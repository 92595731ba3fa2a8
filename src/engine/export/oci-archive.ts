import type { BlobStore } from '../../blobs/blob-store.js';
import { digestHex } from '../../blobs/digest.js';
import type { TarHeader } from '../layers/tar/tar-header.js';
import type { TarWriteEntry } from '../layers/tar/tar-writer.js';
import type { StoredImage } from './image-blobs.js';

/** The `org.opencontainers.image.ref.name` annotation of an OCI image layout's index. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

function member(name: string, mtime: number, data: Buffer): TarWriteEntry {
  return { header: { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime }, body: data };
}

function directory(name: string, mtime: number): TarWriteEntry {
  return { header: { name, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime } };
}

/** The `index.json` of a layout holding this one image, named `refName` when given. */
export function ociIndex(image: StoredImage, refName?: string): Buffer {
  const desc = { ...image.manifest, ...(refName ? { annotations: { [REF_NAME_ANNOTATION]: refName } } : {}) };
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: [desc] }));
}

/** Every blob of the image once (manifest, config, layers), sorted by digest. */
export function imageBlobs(image: StoredImage): Array<{ digest: string; size: number }> {
  const all = new Map<string, number>();
  for (const d of [image.manifest, image.config, ...image.layers]) all.set(d.digest, d.size);
  return [...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([digest, size]) => ({ digest, size }));
}

/**
 * The members of an OCI image layout archive of `image` (oci-layout, index.json, then
 * blobs/sha256/<hex> copied byte for byte from the blob store, so their digests are Kiln's),
 * in a fixed order with fixed owners, modes and times (`mtime`): the same image gives the same
 * bytes. `extra` members (e.g. a docker `manifest.json`) go before the blobs.
 */
export async function* ociLayoutEntries(blobs: BlobStore, image: StoredImage, mtime: number, refName?: string, extra: TarWriteEntry[] = []): AsyncGenerator<TarWriteEntry> {
  yield member('oci-layout', mtime, Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  yield member('index.json', mtime, ociIndex(image, refName));
  yield* extra;
  yield directory('blobs', mtime);
  yield directory('blobs/sha256', mtime);
  for (const { digest, size } of imageBlobs(image)) {
    const header: TarHeader = { name: `blobs/sha256/${digestHex(digest)}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime };
    yield { header, body: blobBody(blobs, digest) };
  }
}

async function* blobBody(blobs: BlobStore, digest: string): AsyncGenerator<Buffer> {
  const stream = await blobs.get(digest);
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}

/**
 * The members of a `docker load`-able archive: the OCI layout (as docker 25 writes it) plus
 * docker's `manifest.json` naming the config, the layers and the `repoTag` (untagged without one).
 */
export function dockerArchiveEntries(blobs: BlobStore, image: StoredImage, mtime: number, repoTag?: string): AsyncGenerator<TarWriteEntry> {
  const manifest = [
    {
      Config: `blobs/sha256/${digestHex(image.config.digest)}`,
      RepoTags: repoTag ? [repoTag] : null,
      Layers: image.layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`),
    },
  ];
  return ociLayoutEntries(blobs, image, mtime, repoTag, [member('manifest.json', mtime, Buffer.from(JSON.stringify(manifest)))]);
}
