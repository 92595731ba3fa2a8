import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store.js';
import { DigestMismatchError } from '../../blobs/blob-store.js';
import { KilnError } from '../../domain/errors.js';
import type { Digest } from '../../blobs/digest.js';
import { initialConfig } from '../image-config.js';
import { LAYER_MEDIA_TYPE } from '../layers/capture-layer.js';
import { decompressed } from '../layers/decompress.js';
import { LayerTooLargeError, UnsafeLayerPathError } from '../layers/layer-errors.js';
import { checkLimit } from '../layers/layer-limits.js';
import type { LayerStore } from '../layers/layer-store.js';
import { readTar, type TarReadEntry } from '../layers/tar/tar-reader.js';
import { writeImage } from './oci-image.js';

/** Where an import's blobs and layers go. */
export interface ImportImageDeps {
  blobs: BlobStore;
  layers: LayerStore;
}

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);


/**
 * The most bytes `index.json`, a manifest or a config may have: they are read into memory and
 * parsed whole. Real ones are a few KiB (a config with a long history some hundred KiB).
 */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

export interface ImportArchiveOptions {
  /** Stops the import (it rejects with the signal's reason): a build's cancel or timeout. */
  signal?: AbortSignal;
}

/**
 * Stores an archive's image in the blob store and returns its manifest digest, with no image
 * record: a rootfs tarball (one layer; `source` names it in the history) or an OCI image layout
 * archive. Every layer is unpacked once; a broken archive throws here. A layer with a member
 * that would land outside it (`..`, through a symlink, a hardlink to a file outside…) is
 * refused as `KilnError('InvalidImage.UnsafeLayer')`, its layer directory never made; one past the
 * extractor's limits as `KilnError('InvalidImage.LayerTooLarge')`. Blobs already stored stay
 * unreferenced until garbage collection. Making it an image (`kiln images import`, a retained
 * BaseImageType=OSS import) is the app's image registry's.
 */
export async function importArchive(deps: Pick<ImportImageDeps, 'blobs' | 'layers'>, file: string, source = `kiln images import ${basename(file)}`, options: ImportArchiveOptions = {}): Promise<Digest> {
  try {
    return (await isOciLayout(deps, file, options.signal)) ? await importOciLayout(deps, file, options.signal) : await importRootfs(deps, file, source, options.signal);
  } catch (err) {
    if (err instanceof UnsafeLayerPathError) {
      throw new KilnError('InvalidImage.UnsafeLayer', `The archive has a layer member that Kiln will not write, so nothing was imported: ${err.message}.`);
    }
    if (err instanceof LayerTooLargeError) {
      throw new KilnError('InvalidImage.LayerTooLarge', `The archive is larger than Kiln unpacks, so nothing was imported: ${err.message}.`);
    }
    throw err;
  }
}

/**
 * The archive's members (the file gunzipped when it starts with the gzip magic), at most as many
 * uncompressed bytes as one layer may have; the file is closed however reading ends.
 */
async function* archiveMembers(deps: Pick<ImportImageDeps, 'layers'>, file: string, signal: AbortSignal | undefined): AsyncGenerator<TarReadEntry> {
  const max = deps.layers.maxTarBytes;
  let bytes = 0;
  const capped = async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      bytes += chunk.byteLength;
      checkLimit(bytes, max, `an archive of more than ${max} bytes uncompressed`);
      yield chunk;
    }
  };
  yield* readTar(capped(decompressed(createReadStream(file))));
}

/** An OCI image layout archive has `oci-layout` and `index.json` at its top. */
async function isOciLayout(deps: Pick<ImportImageDeps, 'layers'>, file: string, signal: AbortSignal | undefined): Promise<boolean> {
  const names = new Set<string>();
  for await (const { header } of archiveMembers(deps, file, signal)) {
    if (header.name === 'oci-layout' || header.name === 'index.json') names.add(header.name);
  }
  return names.has('oci-layout') && names.has('index.json');
}

async function importRootfs(deps: Pick<ImportImageDeps, 'blobs' | 'layers'>, file: string, source: string, signal: AbortSignal | undefined): Promise<Digest> {
  const blob = await deps.blobs.put(createReadStream(file));
  const layer = await deps.layers.ensure(blob.digest, signal ? { signal } : {});
  const { manifestDigest } = await writeImage(deps.blobs, {
    layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId: layer.diffId, size: blob.size }],
    config: initialConfig(),
    created: new Date().toISOString(),
    history: [source],
  });
  return manifestDigest;
}

/** A JSON document of the archive, refused past `MAX_JSON_BYTES` before more than that is read. */
async function readJson<T>(body: AsyncIterable<Buffer>, what: string): Promise<T> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const c of body) {
      bytes += c.length;
      if (bytes > MAX_JSON_BYTES) throw new Error(`the OCI archive's ${what} is larger than ${MAX_JSON_BYTES} bytes`);
      chunks.push(c);
    }
  } finally {
    (body as { destroy?: () => void }).destroy?.();
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  } catch (err) {
    throw new Error(`the OCI archive's ${what} is not JSON: ${(err as Error).message}`);
  }
}

interface Descriptor { mediaType?: string; digest: string; size: number }

async function importOciLayout(deps: Pick<ImportImageDeps, 'blobs' | 'layers'>, file: string, signal: AbortSignal | undefined): Promise<Digest> {
  let index: { manifests?: Descriptor[] } | undefined;
  const stored = new Map<string, number>();
  for await (const { header, body } of archiveMembers(deps, file, signal)) {
    if (header.name === 'index.json') {
      if (header.size > MAX_JSON_BYTES) throw new Error(`the OCI archive's index.json has ${header.size} bytes, more than the ${MAX_JSON_BYTES} Kiln reads`);
      index = await readJson(body, 'index.json');
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
    if (what !== 'layer' && stored.get(d.digest)! > MAX_JSON_BYTES) throw new Error(`the OCI archive's ${what} ${d.digest} has ${stored.get(d.digest)} bytes, more than the ${MAX_JSON_BYTES} Kiln reads`);
    if (typeof d.size === 'number' && stored.get(d.digest) !== d.size) {
      throw new Error(`the OCI archive's ${what} ${d.digest} has ${stored.get(d.digest)} bytes, its descriptor says ${d.size}`);
    }
  };
  let manifestDesc = first;
  await need(manifestDesc, 'manifest');
  let manifest = await readJson<{ mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }>(await deps.blobs.get(manifestDesc.digest), `manifest ${manifestDesc.digest}`);
  // An index inside the index (one manifest per platform): take its first manifest.
  for (let depth = 0; manifest.manifests && (INDEX_MEDIA_TYPES.has(manifest.mediaType ?? '') || INDEX_MEDIA_TYPES.has(manifestDesc.mediaType ?? '') || !manifest.layers); depth++) {
    if (depth > 4 || !manifest.manifests[0]) throw new Error('the OCI archive\'s index holds no image manifest');
    manifestDesc = manifest.manifests[0];
    await need(manifestDesc, 'manifest');
    manifest = await readJson<typeof manifest>(await deps.blobs.get(manifestDesc.digest), `manifest ${manifestDesc.digest}`);
  }
  if (!manifest.config || !manifest.layers) throw new Error(`the OCI archive's manifest ${manifestDesc.digest} has no config or no layers`);
  await need(manifest.config, 'config');
  const config = await readJson<{ rootfs?: { diff_ids?: string[] } }>(await deps.blobs.get(manifest.config.digest), `config ${manifest.config.digest}`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new Error(`the OCI archive's config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
  }
  for (const [i, l] of manifest.layers.entries()) {
    await need(l, 'layer');
    const { diffId } = await deps.layers.ensure(l.digest, signal ? { signal } : {});
    if (diffId !== diffIds[i]) throw new Error(`the OCI archive's layer ${l.digest} unpacks to ${diffId}, its config says ${diffIds[i]}`);
  }
  return manifestDesc.digest as Digest;
}
