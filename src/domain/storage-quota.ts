import { KilnError } from './errors.js';
import type { Image } from './image.js';
import type { Repositories } from './ports.js';
import { formatBytes } from './bytes.js';

/*
 * Per-account storage quotas. Both are counted per ACCOUNT over all of its regions, not per
 * region: Kiln's regions share one blob store, so an image copied to another region (or
 * distributed there) costs no byte more and counts once; what the quota bounds is what the
 * account keeps on this machine's disk. Bytes are DISTINCT blob bytes: a layer that several of
 * the account's images (or cache entries) name counts once, and a layer shared with another
 * account (e.g. the base image's) counts for each account that holds it.
 */

/** An account's storage limits in bytes; 0: no limit. */
export interface StorageQuotas {
  /** The distinct layer bytes of the images the account owns (`QuotaExceed.ImageStorage` past it). */
  imageBytes: number;
  /** The distinct blob bytes its step-cache entries name (least recently used entries are evicted past it). */
  cacheBytes: number;
}

/** The quotas of one account (the configured default, or the account's own). */
export type StorageQuotasOf = (accountId: string) => StorageQuotas;


/** A layer blob as a manifest names it. */
export interface LayerRef {
  digest: string;
  size: number;
}

/** The error for an image that would hold `bytes` while the account may hold `quota`. */
export function imageStorageExceeded(accountId: string, quota: number, bytes: number, what: string): KilnError {
  return new KilnError('QuotaExceed.ImageStorage', `The image storage quota of account ${accountId} is exceeded: ${what} would make its images hold ${formatBytes(bytes)} of layers (${bytes} bytes), over its quota of ${formatBytes(quota)} (${quota} bytes). Delete images it no longer needs (DeleteImage), or ask the operator for a larger quota (KILN_ACCOUNT_IMAGE_BYTES_QUOTA).`);
}

/** Distinct bytes of some layers (a layer named twice counts once). */
export function distinctBytes(layers: Iterable<LayerRef>): number {
  const seen = new Map<string, number>();
  for (const l of layers) seen.set(l.digest, l.size);
  let bytes = 0;
  for (const size of seen.values()) bytes += size;
  return bytes;
}

/**
 * Registers an account image under its owner's image quota: records the layers of its manifest
 * (when given: a new manifest; copies share their source's, already recorded), inserts the image
 * and throws `QuotaExceed.ImageStorage` when the owner's images now hold more than `quotaBytes`
 * AND this image added bytes (a copy of an image the account already holds never fails, even
 * over a quota that was lowered). Call it inside a transaction: the throw undoes the insert.
 * Shared images count for their owner only, as on ECS (a shared image does not count against
 * the sharee's image quota; its copy does, since the sharee then owns it).
 */
export async function registerImage(repos: Repositories, image: Image, layers: readonly LayerRef[] | undefined, quotaBytes: number, what = `image ${image.imageId}`): Promise<void> {
  const before = quotaBytes > 0 ? await repos.images.storageBytes(image.accountId) : 0;
  if (layers && image.manifestDigest) await repos.images.recordLayers(image.manifestDigest, layers);
  await repos.images.insert(image);
  if (quotaBytes <= 0) return;
  const after = await repos.images.storageBytes(image.accountId);
  if (after > quotaBytes && after > before) throw imageStorageExceeded(image.accountId, quotaBytes, after, what);
}
