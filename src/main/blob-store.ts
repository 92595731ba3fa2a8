import { join } from 'node:path';
import type { BlobStore } from '../blobs/blob-store.js';
import { CachedBlobStore } from '../blobs/cached-blob-store.js';
import { LocalBlobStore } from '../blobs/local-blob-store.js';
import { S3BlobStore } from '../blobs/s3-blob-store.js';
import { s3ClientOf } from '../blobs/s3-client.js';
import { blobStoreLocation } from '../config/blob-store-location.js';
import type { KilnConfig } from '../config/config.js';
import { uploadInParts } from '../oss/s3-multipart.js';

type BlobStoreSettings = Pick<KilnConfig, 'dataDir' | 'blobStore' | 's3Endpoint' | 's3Region' | 's3AccessKeyId' | 's3SecretAccessKey' | 's3ForcePathStyle' | 'blobCacheMaxBytes' | 'gcGraceMs'>;

const stores = new Map<string, BlobStore>();

/**
 * The blob store this process uses, as `KILN_BLOB_STORE` and `KILN_S3_*` say: one instance per
 * process and setting (it holds the S3 connections and the cache's shared downloads). The local
 * folder is a `LocalBlobStore`; a bucket is an `S3BlobStore` read through the per-host cache in
 * `<dataDir>/blob-cache` (bounded by `blobCacheMaxBytes`), whose `path` gives a local file.
 *
 * Garbage collection on a bucket shared by several hosts: any host may collect; it deletes a
 * blob that no image, cache entry, base image or pin in the shared database names and whose last
 * write (an upload, or a put of a blob already there, which refreshes it) is older than the grace
 * (`gcGraceMs`), so a blob another host's running build has just put is kept until that build
 * has recorded or pinned it. Every host must use the same database and the same grace.
 */
export function blobStoreOf(config: BlobStoreSettings): BlobStore {
  const where = blobStoreLocation(config);
  const s3 = { endpoint: config.s3Endpoint, region: config.s3Region, accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey, forcePathStyle: config.s3ForcePathStyle };
  const key = JSON.stringify(where.kind === 'local' ? where : { where, s3, dataDir: config.dataDir, max: config.blobCacheMaxBytes, grace: config.gcGraceMs });
  let store = stores.get(key);
  if (!store) {
    store = where.kind === 'local' ? new LocalBlobStore(where.dir) : s3BlobStore(config, where, s3);
    stores.set(key, store);
  }
  return store;
}

function s3BlobStore(config: BlobStoreSettings, where: { bucket: string; prefix: string }, s3: Parameters<typeof s3ClientOf>[0]): BlobStore {
  const cacheDir = join(config.dataDir, 'blob-cache');
  const remote = new S3BlobStore({
    client: s3ClientOf(Object.fromEntries(Object.entries(s3).filter(([, v]) => v !== undefined))),
    bucket: where.bucket,
    prefix: where.prefix,
    spoolDir: join(cacheDir, 'tmp'),
    uploadInParts,
    // a put of a blob already there refreshes it well within the grace of any host's collection
    refreshAfterMs: Math.min(60_000, Math.floor(config.gcGraceMs / 2)),
  });
  return new CachedBlobStore(remote, { dir: cacheDir, maxBytes: config.blobCacheMaxBytes });
}
