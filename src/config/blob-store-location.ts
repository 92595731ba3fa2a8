import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KilnConfig } from './config.js';

/** Where `KILN_BLOB_STORE` says blobs are: a local folder, or a bucket and key prefix. */
export type BlobStoreLocation = { kind: 'local'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `KILN_BLOB_STORE` read: absent is `<dataDir>/blobs`; `file:///abs/path` a folder; `s3://bucket`
 * or `s3://bucket/some/prefix` a bucket (its name as S3 allows it, the prefix without empty,
 * `.` or `..` segments, which the HTTP layers would resolve into other keys). Throws an Error
 * naming the setting otherwise: `loadConfig` calls it, so a bad value stops Kiln at start.
 */
export function blobStoreLocation(config: Pick<KilnConfig, 'dataDir' | 'blobStore'>): BlobStoreLocation {
  const value = config.blobStore;
  if (value === undefined || value === '') return { kind: 'local', dir: join(config.dataDir, 'blobs') };
  const bad = (why: string) => new Error(`KILN_BLOB_STORE (blobStore) "${value}": ${why}`);
  if (value.startsWith('file://')) {
    let dir: string;
    try {
      dir = fileURLToPath(value);
    } catch (err) {
      throw bad((err as Error).message);
    }
    if (!isAbsolute(dir)) throw bad('a file:// URL names an absolute path');
    return { kind: 'local', dir };
  }
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!m) throw bad('expected file:///absolute/path or s3://bucket/prefix');
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw bad(`"${bucket}" is not a valid bucket name (3 to 63 lowercase letters, digits, hyphens and dots)`);
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) throw bad('the key prefix has an empty, "." or ".." segment');
  return { kind: 's3', bucket, prefix };
}
