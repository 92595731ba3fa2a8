import type { BlobStore } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
import type { ImageLayer } from '../../domain/image-layers.js';
import { LAYER_MEDIA_TYPE, type LayerBlob } from '../layers/capture-layer.js';
import { initialConfig, type ImageConfigState } from '../image-config.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

interface OciConfig {
  created: string;
  architecture: 'amd64' | 'arm64';
  os: 'linux';
  config: { Env?: string[]; WorkingDir?: string; User?: string; Cmd?: string[]; Entrypoint?: string[]; Labels?: Record<string, string> };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<{ created: string; created_by: string; empty_layer?: boolean }>;
}

/**
 * The most bytes of a manifest or a config read into memory. Kiln writes both itself (one
 * descriptor and one history entry per layer: a few KiB); imports are held to the same bound.
 */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** A manifest or config of the blob store, parsed; its size is checked first, and the read stops past the bound all the same. */
async function readJson<T>(blobs: BlobStore, digest: string): Promise<T> {
  const size = await blobs.size(digest);
  if (size === undefined) throw new Error(`blob ${digest} is not in the blob store`);
  if (size > MAX_JSON_BYTES) throw new Error(`blob ${digest} has ${size} bytes, more than the ${MAX_JSON_BYTES} read for a manifest or config`);
  const chunks: Buffer[] = [];
  let bytes = 0;
  const stream = await blobs.get(digest);
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).byteLength;
      if (bytes > MAX_JSON_BYTES) throw new Error(`blob ${digest} has more than the ${MAX_JSON_BYTES} bytes read for a manifest or config`);
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

/**
 * Writes an OCI image (config, then manifest) into the blob store and returns the manifest's
 * digest (and its config's). `created` is the image's creation time; `history` names the step of each layer.
 */
export async function writeImage(
  blobs: BlobStore,
  image: { layers: readonly LayerBlob[]; config: ImageConfigState; created: string; history: readonly string[]; annotations?: Record<string, string> },
): Promise<{ manifestDigest: Digest; configDigest: Digest; size: number }> {
  const c = image.config;
  const config: OciConfig = {
    created: image.created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: c.env.map(([k, v]) => `${k}=${v}`),
      WorkingDir: c.workingDir,
      User: c.user,
      ...(c.cmd ? { Cmd: c.cmd } : {}),
      ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}),
      ...(Object.keys(c.labels).length ? { Labels: c.labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: image.layers.map((l) => l.diffId) },
    history: image.history.map((created_by) => ({ created: image.created, created_by })),
  };
  const configBlob = await blobs.put(Buffer.from(JSON.stringify(config)));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, digest: configBlob.digest, size: configBlob.size },
    layers: image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(image.annotations ? { annotations: image.annotations } : {}),
  };
  const manifestBlob = await blobs.put(Buffer.from(JSON.stringify(manifest)));
  const size = configBlob.size + manifestBlob.size + image.layers.reduce((n, l) => n + l.size, 0);
  return { manifestDigest: manifestBlob.digest, configDigest: configBlob.digest, size };
}

/** Every blob an image consists of: its manifest, its config and its layers. */
export async function imageBlobDigests(blobs: BlobStore, manifestDigest: string): Promise<string[]> {
  const manifest = await readJson<OciManifest>(blobs, manifestDigest);
  return [manifestDigest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
}

/** A manifest or config that is not the OCI JSON Kiln wrote: a damaged store (a server fault). */
function damaged(digest: string): Error {
  return new Error(`the image document ${digest} in the blob store is not a valid OCI manifest or config`);
}

/**
 * An image's layers, bottom first, each with what made it: the `created_by` of its config's
 * history entry (entries marked `empty_layer` made none), empty when there is none.
 */
export async function readImageLayers(blobs: BlobStore, manifestDigest: string): Promise<ImageLayer[]> {
  const manifest = await readJson<Partial<OciManifest> | null>(blobs, manifestDigest);
  if (typeof manifest?.config?.digest !== 'string' || !Array.isArray(manifest.layers)) throw damaged(manifestDigest);
  const config = await readJson<Partial<OciConfig> | null>(blobs, manifest.config.digest);
  const history = Array.isArray(config?.history) ? config.history : [];
  const madeBy = history.filter((h) => h?.empty_layer !== true).map((h) => (typeof h?.created_by === 'string' ? h.created_by : ''));
  return manifest.layers.map((l, i) => {
    if (typeof l?.digest !== 'string' || !Number.isSafeInteger(l.size) || l.size < 0) throw damaged(manifestDigest);
    return { digest: l.digest, size: l.size, createdBy: madeBy[i] ?? '' };
  });
}

/** Reads an image back: its layers (bottom first) and its configuration. */
export async function readImage(blobs: BlobStore, manifestDigest: string): Promise<{ layers: LayerBlob[]; config: ImageConfigState }> {
  const manifest = await readJson<OciManifest>(blobs, manifestDigest);
  const config = await readJson<OciConfig>(blobs, manifest.config.digest);
  const layers = manifest.layers.map((d, i): LayerBlob => ({
    mediaType: LAYER_MEDIA_TYPE,
    digest: d.digest as Digest,
    diffId: (config.rootfs.diff_ids[i] ?? d.digest) as Digest,
    size: d.size,
  }));
  const c = config.config;
  const env = (c.Env ?? []).map((e) => {
    const eq = e.indexOf('=');
    return [e.slice(0, eq), e.slice(eq + 1)] as [string, string];
  });
  return {
    layers,
    config: initialConfig({
      env,
      ...(c.WorkingDir ? { workingDir: c.WorkingDir } : {}),
      ...(c.User ? { user: c.User } : {}),
      labels: c.Labels ?? {},
      ...(c.Cmd ? { cmd: c.Cmd } : {}),
      ...(c.Entrypoint ? { entrypoint: c.Entrypoint } : {}),
    }),
  };
}
