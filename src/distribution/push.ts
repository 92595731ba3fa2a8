import type { BlobStore } from '../blobs/blob-store.js';
import type { BlobLocations } from './blob-locations.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { MAX_JSON_BYTES, type Descriptor } from './manifest.js';
import type { ImageReference } from './reference.js';
import type { BlobAction, TransferProgress } from './transfer-progress.js';
import { blobExists, DEFAULT_CHUNK_BYTES, startUpload, uploadChunks } from './upload.js';

/** A push's progress (see `TransferProgress`). */
export type PushProgress = TransferProgress;

export interface PushOptions {
  chunkBytes?: number;
  progress?: PushProgress;
}

export interface PushResult {
  manifestDigest: string;
  blobs: Array<{ digest: string; size: number; action: BlobAction; from?: string }>;
}

/** A stored image's descriptors: its manifest (with its media type), config and layers. */
export interface PushableImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: readonly Descriptor[];
}

/**
 * Pushes `image` (its blobs in `store`) to `ref` (a tag): each blob (config, then layers) is
 * skipped when the repository has it, mounted from another repository of the registry known to
 * hold it (`locations`), or uploaded in chunks; then the manifest is PUT with its own media
 * type, byte for byte as stored, so every digest in the registry equals Kiln's. A blob whose
 * upload fails on the way is checked and uploaded once more from the start.
 */
export async function pushImage(client: RegistryClient, locations: BlobLocations, store: BlobStore, image: PushableImage, ref: ImageReference, options: PushOptions = {}): Promise<PushResult> {
  const { repository } = ref;
  const where = `${client.registry}/${repository}`;
  const manifestDigest = image.manifest.digest;
  const manifestBytes = await readStored(store, manifestDigest, `the manifest ${manifestDigest}`);
  const unique = [...new Map([image.config, ...image.layers].map((b) => [b.digest, b])).values()];
  const progress = options.progress ?? {};
  progress.begin?.(unique, unique.reduce((n, b) => n + b.size, 0));
  await client.ping();
  const result: PushResult = { manifestDigest, blobs: [] };
  for (const blob of unique) {
    const done = await pushBlob(client, locations, store, repository, blob, options.chunkBytes ?? DEFAULT_CHUNK_BYTES, progress);
    result.blobs.push({ digest: blob.digest, size: blob.size, ...done });
    progress.done?.(blob, done.action, done.from);
  }
  const res = await client.request({
    method: 'PUT', path: `/v2/${repository}/manifests/${ref.reference}`, scopes: [`repository:${repository}:pull,push`], repository,
    headers: { 'content-type': image.manifest.mediaType }, body: manifestBytes, idempotent: true,
  });
  await res.body?.cancel();
  const answered = res.headers.get('docker-content-digest');
  if (answered && answered !== manifestDigest) throw new RegistryError(`${where}: the registry stored the manifest as ${answered}, Kiln's is ${manifestDigest}`);
  await locations.record(client.registry, repository, unique.map((b) => b.digest));
  return result;
}

async function pushBlob(client: RegistryClient, locations: BlobLocations, store: BlobStore, repository: string, blob: Descriptor, chunkBytes: number, progress: PushProgress): Promise<{ action: BlobAction; from?: string }> {
  if (await blobExists(client, repository, blob.digest, blob.size)) {
    progress.bytes?.(blob.digest, blob.size);
    return { action: 'exists' };
  }
  const source = { digest: blob.digest, size: blob.size, open: () => store.get(blob.digest) };
  const from = (await locations.find(client.registry, blob.digest)).find((r) => r !== repository);
  for (let attempt = 1; ; attempt++) {
    const session = await startUpload(client, repository, blob.digest, attempt === 1 ? from : undefined);
    if (session === 'mounted') {
      progress.bytes?.(blob.digest, blob.size);
      return { action: 'mounted', ...(from ? { from } : {}) };
    }
    let sent = 0;
    try {
      await uploadChunks(client, repository, session, source, chunkBytes, (n) => {
        sent += n;
        progress.bytes?.(blob.digest, n);
      });
      return { action: 'uploaded' };
    } catch (err) {
      // Only a transient failure is tried again, from a new session: a refusal (4xx) stays one.
      const transient = !(err instanceof RegistryError) || err.status === undefined || err.status >= 500;
      if (attempt >= 2 || !transient) throw err;
      progress.bytes?.(blob.digest, -sent);
      if (await blobExists(client, repository, blob.digest, blob.size)) return { action: 'uploaded' };
    }
  }
}

async function readStored(store: BlobStore, digest: string, what: string): Promise<Buffer> {
  const size = await store.size(digest);
  if (size === undefined) throw new Error(`${what} is not in Kiln's blob store`);
  if (size > MAX_JSON_BYTES) throw new Error(`${what} has ${size} bytes, more than ${MAX_JSON_BYTES}`);
  const chunks: Buffer[] = [];
  for await (const c of await store.get(digest)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
