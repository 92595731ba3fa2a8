import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BlobStore } from '../../blobs/blob-store.js';
import { DigestMismatchError } from '../../blobs/blob-store.js';
import type { Digest } from '../../blobs/digest.js';
import { KilnError } from '../../domain/errors.js';
import { newImageId } from '../../domain/ids.js';
import { newAccountImage, type Image } from '../../domain/image.js';
import { registerImage } from '../../domain/storage-quota.js';
import { ecsTime } from '../../domain/time.js';
import type { Store } from '../../domain/ports.js';
import { initialConfig } from '../image-config.js';
import { LAYER_MEDIA_TYPE } from '../layers/capture-layer.js';
import { UnsafeLayerPathError } from '../layers/layer-errors.js';
import type { LayerStore } from '../layers/layer-store.js';
import { readTar } from '../layers/tar/tar-reader.js';
import { readImage, writeImage } from './oci-image.js';

export interface ImportImageRequest {
  /** A rootfs tarball (plain or gzip) or an OCI image layout archive (tar, plain or gzip). */
  file: string;
  imageName: string;
  accountId: string;
  regionId: string;
  imageFamily?: string;
  description?: string;
  /** The account's image quota in bytes (0 or absent: none): past it the import is not registered (`QuotaExceed.ImageStorage`). */
  imageQuotaBytes?: number;
}

export interface ImportImageDeps {
  store: Store;
  blobs: BlobStore;
  layers: LayerStore;
}

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/**
 * Imports a root filesystem as an Available image owned by `accountId` in `regionId`: either a
 * rootfs tarball (one layer, the file's bytes as the layer blob) or an OCI image layout archive
 * (`oci-layout`, `index.json`, `blobs/sha256/…`: the first manifest of the index, its config and
 * layers copied into the blob store with their digests verified). Every layer is unpacked once
 * so a broken archive fails here rather than in a build. Refuses a name already used in the
 * region (`InvalidImageName.Duplicated`).
 */
export async function importImage(deps: ImportImageDeps, req: ImportImageRequest): Promise<Image> {
  const scope = { accountId: req.accountId, regionId: req.regionId };
  const duplicated = () => new KilnError('InvalidImageName.Duplicated', `The specified image name ${req.imageName} is already in use in ${req.regionId}. Please try a different one.`);
  if (await deps.store.images.nameTaken(scope, req.imageName)) throw duplicated();

  const manifestDigest = await importArchive(deps, req.file);

  const { layers } = await readImage(deps.blobs, manifestDigest);
  const size = layers.reduce((n, l) => n + l.size, 0);
  const image = newAccountImage({
    imageId: newImageId(),
    regionId: req.regionId,
    accountId: req.accountId,
    imageName: req.imageName,
    ...(req.imageFamily ? { imageFamily: req.imageFamily } : {}),
    description: req.description ?? `Imported from ${basename(req.file)}`,
    size: Math.max(20, Math.ceil(size / 2 ** 30)),
    creationTime: ecsTime(),
    tags: [],
    manifestDigest,
  });
  try {
    await deps.store.transaction((tx) => registerImage(tx, image, layers, req.imageQuotaBytes ?? 0, `importing ${basename(req.file)}`));
  } catch (err) {
    if ((err as Error).name === 'StoreConflictError') throw duplicated();
    throw err;
  }
  return image;
}

/** The code of an archive with a layer member that would be written outside the layer (see `importArchive`). */
export const UNSAFE_LAYER_CODE = 'InvalidImage.UnsafeLayer';

/**
 * Stores an archive's image in the blob store and returns its manifest digest, with no image
 * record: a rootfs tarball (one layer; `source` names it in the history) or an OCI image layout
 * archive. Every layer is unpacked once; a broken archive throws here. A layer with a member
 * that would land outside it (`..`, through a symlink, a hardlink to a file outside…) is
 * refused as `KilnError(UNSAFE_LAYER_CODE)`, its layer directory never made; blobs already
 * stored stay unreferenced until garbage collection.
 */
export async function importArchive(deps: Pick<ImportImageDeps, 'blobs' | 'layers'>, file: string, source = `kiln images import ${basename(file)}`): Promise<Digest> {
  try {
    return (await isOciLayout(file)) ? await importOciLayout(deps, file) : await importRootfs(deps, file, source);
  } catch (err) {
    if (err instanceof UnsafeLayerPathError) {
      throw new KilnError(UNSAFE_LAYER_CODE, `The archive has a layer member that Kiln will not write, so nothing was imported: ${err.message}.`);
    }
    throw err;
  }
}

/** The file's bytes, gunzipped when they start with the gzip magic. */
async function openTar(file: string): Promise<Readable> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(file);
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

/** An OCI image layout archive has `oci-layout` and `index.json` at its top. */
export async function isOciLayout(file: string): Promise<boolean> {
  const names = new Set<string>();
  for await (const { header } of readTar(await openTar(file))) {
    if (header.name === 'oci-layout' || header.name === 'index.json') names.add(header.name);
  }
  return names.has('oci-layout') && names.has('index.json');
}

async function importRootfs(deps: Pick<ImportImageDeps, 'blobs' | 'layers'>, file: string, source: string): Promise<Digest> {
  const blob = await deps.blobs.put(createReadStream(file));
  const layer = await deps.layers.ensure(blob.digest);
  const { manifestDigest } = await writeImage(deps.blobs, {
    layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId: layer.diffId, size: blob.size }],
    config: initialConfig(),
    created: new Date().toISOString(),
    history: [source],
  });
  return manifestDigest;
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks);
}

interface Descriptor { mediaType?: string; digest: string; size: number }

async function importOciLayout(deps: Pick<ImportImageDeps, 'blobs' | 'layers'>, file: string): Promise<Digest> {
  let index: { manifests?: Descriptor[] } | undefined;
  const stored = new Map<string, number>();
  for await (const { header, body } of readTar(await openTar(file))) {
    if (header.name === 'index.json') {
      index = JSON.parse((await collect(body)).toString('utf8')) as { manifests?: Descriptor[] };
      continue;
    }
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(header.name);
    if (!m || header.type !== 'file') continue;
    const digest = `sha256:${m[1]}`;
    try {
      const info = await deps.blobs.put(body, { expectedDigest: digest });
      stored.set(digest, info.size);
    } catch (err) {
      if (err instanceof DigestMismatchError) throw new Error(`the OCI archive's blob ${header.name} does not match its digest (${err.actual})`);
      throw err;
    }
  }
  const first = index?.manifests?.[0];
  if (!first) throw new Error('the OCI archive\'s index.json lists no manifest');

  const need = async (d: Descriptor, what: string): Promise<void> => {
    if (!stored.has(d.digest)) throw new Error(`the OCI archive lacks the ${what} ${d.digest}`);
    if (typeof d.size === 'number' && stored.get(d.digest) !== d.size) {
      throw new Error(`the OCI archive's ${what} ${d.digest} has ${stored.get(d.digest)} bytes, its descriptor says ${d.size}`);
    }
  };
  let manifestDesc = first;
  await need(manifestDesc, 'manifest');
  let manifest = JSON.parse((await collect(await deps.blobs.get(manifestDesc.digest))).toString('utf8')) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  // An index inside the index (one manifest per platform): take its first manifest.
  for (let depth = 0; manifest.manifests && (INDEX_MEDIA_TYPES.has(manifest.mediaType ?? '') || INDEX_MEDIA_TYPES.has(manifestDesc.mediaType ?? '') || !manifest.layers); depth++) {
    if (depth > 4 || !manifest.manifests[0]) throw new Error('the OCI archive\'s index holds no image manifest');
    manifestDesc = manifest.manifests[0];
    await need(manifestDesc, 'manifest');
    manifest = JSON.parse((await collect(await deps.blobs.get(manifestDesc.digest))).toString('utf8')) as typeof manifest;
  }
  if (!manifest.config || !manifest.layers) throw new Error(`the OCI archive's manifest ${manifestDesc.digest} has no config or no layers`);
  await need(manifest.config, 'config');
  const config = JSON.parse((await collect(await deps.blobs.get(manifest.config.digest))).toString('utf8')) as { rootfs?: { diff_ids?: string[] } };
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new Error(`the OCI archive's config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
  }
  for (const [i, l] of manifest.layers.entries()) {
    await need(l, 'layer');
    const { diffId } = await deps.layers.ensure(l.digest);
    if (diffId !== diffIds[i]) throw new Error(`the OCI archive's layer ${l.digest} unpacks to ${diffId}, its config says ${diffIds[i]}`);
  }
  return manifestDesc.digest as Digest;
}
