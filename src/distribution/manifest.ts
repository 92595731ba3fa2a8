import { isDigest } from '../blobs/digest.js';
import { RegistryError } from './errors.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** The media types a pull accepts for a manifest (the `Accept` header). */
export const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];

/** Layer media types Kiln can unpack: tar, plain or gzip (OCI and Docker). */
export const LAYER_TYPES = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
]);
export const CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

/** The most bytes of a manifest, an index or a config (they are parsed in memory). */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** The most layers an image may have. */
export const MAX_LAYERS = 1000;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageManifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** A descriptor checked field by field (`what` names it in errors). */
export function descriptorOf(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object') throw new RegistryError(`${what} is not a descriptor`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw new RegistryError(`${what} has no sha256 digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new RegistryError(`${what} has no valid size`);
  if (typeof d.mediaType !== 'string') throw new RegistryError(`${what} has no media type`);
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.platform && typeof d.platform === 'object' ? { platform: d.platform } : {}) };
}

/** The media type of a manifest document: its own field, else the one the registry sent. */
export function mediaTypeOf(doc: { mediaType?: unknown }, contentType: string | null): string {
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  return (contentType ?? '').split(';')[0]!.trim();
}

/** An image manifest (OCI or Docker schema 2) checked: its config and layers of types Kiln reads, at most `MAX_LAYERS`. */
export function imageManifestOf(doc: Record<string, unknown>, mediaType: string, where: string): ImageManifest {
  if (doc.schemaVersion !== 2) throw new RegistryError(`${where}: the manifest is not schema version 2`);
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST) throw new RegistryError(`${where}: the manifest's media type ${JSON.stringify(mediaType)} is not one Kiln reads`);
  const config = descriptorOf(doc.config, `${where}: the manifest's config`);
  if (!CONFIG_TYPES.has(config.mediaType)) throw new RegistryError(`${where}: the config's media type ${JSON.stringify(config.mediaType)} is not an image config`);
  if (config.size > MAX_JSON_BYTES) throw new RegistryError(`${where}: the config has ${config.size} bytes, more than the ${MAX_JSON_BYTES} Kiln reads`);
  if (!Array.isArray(doc.layers)) throw new RegistryError(`${where}: the manifest has no layers`);
  if (doc.layers.length > MAX_LAYERS) throw new RegistryError(`${where}: the manifest has ${doc.layers.length} layers, more than ${MAX_LAYERS}`);
  const layers = doc.layers.map((l, i) => descriptorOf(l, `${where}: layer ${i}`));
  for (const l of layers) {
    if (!LAYER_TYPES.has(l.mediaType)) throw new RegistryError(`${where}: the layer ${l.digest} has the media type ${JSON.stringify(l.mediaType)}, which Kiln does not unpack (plain or gzip tar only)`);
  }
  return { mediaType, config, layers };
}
