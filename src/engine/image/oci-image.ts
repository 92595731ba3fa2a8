import type { BlobStore } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
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

async function readJson<T>(blobs: BlobStore, digest: string): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.get(digest)) chunks.push(chunk as Buffer);
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
