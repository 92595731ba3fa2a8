import type { ImageLayer } from '../domain/image-layers.js';
import { imageNotFound } from '../domain/image-rules.js';
import type { Scope } from '../domain/ports.js';
import type { App } from './app.js';

/**
 * The most bytes of a manifest and of a config read into memory. Kiln writes both itself (a
 * manifest lists one descriptor per layer, a config one history entry per layer): real ones are
 * a few KiB; the bound is that of an imported archive's JSON documents.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A document of the blob store that is not the OCI JSON Kiln wrote: a damaged store, a server fault. */
function damaged(what: string): Error {
  return new Error(`the image's ${what} in the blob store is not a valid OCI document`);
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged(what);
  return value as Record<string, unknown>;
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  try {
    return objectOf(JSON.parse(bytes.toString('utf8')), what);
  } catch {
    throw damaged(what);
  }
}

/** The manifest's layer descriptors (digest, size) and its config's digest. */
function readManifest(doc: Record<string, unknown>): { config: string; layers: { digest: string; size: number }[] } {
  const config = objectOf(doc.config, 'manifest').digest;
  if (typeof config !== 'string' || !Array.isArray(doc.layers)) throw damaged('manifest');
  const layers = doc.layers.map((l) => {
    const { digest, size } = objectOf(l, 'manifest');
    if (typeof digest !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw damaged('manifest');
    return { digest, size };
  });
  return { config, layers };
}

/** `created_by` of each history entry that made a layer (not `empty_layer`), in order. */
function layerHistory(doc: Record<string, unknown>): string[] {
  if (!Array.isArray(doc.history)) return [];
  return doc.history
    .map((h) => (typeof h === 'object' && h !== null ? h as { created_by?: unknown; empty_layer?: unknown } : {}))
    .filter((h) => h.empty_layer !== true)
    .map((h) => (typeof h.created_by === 'string' ? h.created_by : ''));
}

/**
 * The layers of image `imageId` as the caller in `scope` sees it (its own, shared with it, or a
 * system image; anything else is `InvalidImageId.NotFound`), bottom first, each with what made
 * it (the config's history). An image with no content in Kiln (a system image, whose root is
 * made on first use; an import not finished) has none. Only the manifest and the config are
 * read, each bounded; a missing or malformed one is a server fault (the store is damaged).
 */
export async function imageLayers(app: App, scope: Scope, imageId: string): Promise<{ imageId: string; layers: ImageLayer[] }> {
  const image = await app.imagesIn(app.store).find(scope, imageId);
  if (!image) throw imageNotFound(imageId);
  if (!image.manifestDigest) return { imageId, layers: [] };
  if (!app.imageBlobs) throw new Error('this process reads no blob store (App.imageBlobs is not wired)');
  const manifest = readManifest(parseJson(await app.imageBlobs.read(image.manifestDigest, MAX_MANIFEST_BYTES), 'manifest'));
  const history = layerHistory(parseJson(await app.imageBlobs.read(manifest.config, MAX_CONFIG_BYTES), 'config'));
  return { imageId, layers: manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, createdBy: history[i] ?? '' })) };
}
