import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BlobNotFoundError, type BlobInfo, type DeleteOptions, type BlobSource, type BlobStore, type PutOptions, type StoredBlob } from './blob-store.js';
import { digestHex } from './digest.js';
import { spoolBlob, type SpooledBlob } from './spool.js';
import { removeStaleStaging } from './stale-staging.js';

/** A multipart upload of a local file (the OSS client's `uploadInParts`, wired by the composition root). */
export type UploadFileInParts = (client: S3Client, bucket: string, key: string, file: string, size: number, options: { partBytes: number; metadata?: Record<string, string> }) => Promise<void>;

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix without leading or trailing `/` (`''`: the bucket's root). */
  prefix: string;
  /** A local folder where `put` writes a blob while hashing it, before anything is uploaded. */
  spoolDir: string;
  uploadInParts: UploadFileInParts;
  /** Blobs larger than this are uploaded in parts of this size (default 64 MiB; S3 wants ≥ 5 MiB). */
  partBytes?: number;
  /** A put of a blob the bucket has refreshes its write time when it is older than this (default 60 s; keep it under GC's grace). */
  refreshAfterMs?: number;
}

const HEX = /^[0-9a-f]{64}$/;
/** The object metadata (`x-amz-meta-sha256`) where an upload records its blob's digest (hex). */
const DIGEST_METADATA = 'sha256';

/**
 * A blob store in an S3 bucket, shared by every host that names it: `<prefix>/blobs/sha256/<hex>`.
 *
 * `put` first writes the bytes to a local spool file while hashing them, so the digest is known
 * before anything is sent: a blob the bucket already has (HEAD: same size, and the digest its
 * upload recorded in the object's metadata) is not uploaded again; an object under the key that
 * records no digest or another one (a tampered or misconfigured bucket, or an object uploaded
 * before digests were recorded) is overwritten by the upload. (The recorded digest is a claim,
 * not a proof: readers still hash what they download, see `CachedBlobStore`.) The object is
 * written straight under its final key, only once its digest is verified
 * (a PutObject, or a multipart upload for blobs past `partBytes`: S3 makes either visible only
 * when complete, so no reader ever sees a partial object, and a put whose digest mismatches
 * sends nothing). The spool costs one local write of the blob; in exchange a large layer's
 * upload never holds more than a part's request in memory, and a failed upload is simply retried.
 *
 * A put of a blob the bucket already has, written longer than `refreshAfterMs` ago, writes an
 * empty marker `<prefix>/touched/sha256/<hex>`; `list` reports the later of the two times, so
 * garbage collection on any host treats the blob as just written (its grace then covers the
 * moments before the build that put it records a reference). A marker is cheaper than
 * re-uploading, and unlike a self-copy it works the same on every S3-compatible server.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly partBytes: number;
  private readonly refreshAfterMs: number;
  private readonly uploading = new Map<string, Promise<void>>();

  constructor(private readonly o: S3BlobStoreOptions) {
    this.client = o.client;
    this.bucket = o.bucket;
    this.root = o.prefix === '' ? '' : `${o.prefix}/`;
    this.partBytes = o.partBytes ?? 64 * 1024 * 1024;
    this.refreshAfterMs = o.refreshAfterMs ?? 60_000;
  }

  /** `s3://bucket/prefix`, for messages. */
  get location(): string {
    return `s3://${this.bucket}/${this.o.prefix}`;
  }

  private key(digest: string): string {
    return `${this.root}blobs/sha256/${digestHex(digest)}`;
  }

  private marker(digest: string): string {
    return `${this.root}touched/sha256/${digestHex(digest)}`;
  }

  async put(data: BlobSource, options: PutOptions = {}): Promise<BlobInfo> {
    const spooled = await spoolBlob(data, this.o.spoolDir, options.expectedDigest);
    try {
      await this.putSpooled(spooled);
      return { digest: spooled.digest, size: spooled.size };
    } finally {
      await rm(spooled.file, { force: true });
    }
  }

  /**
   * Stores a local file whose digest and size the caller computed from its bytes (see
   * `spoolBlob`); the file is left in place. Puts of one digest in this process share one upload.
   */
  putSpooled(blob: SpooledBlob): Promise<void> {
    const running = this.uploading.get(blob.digest);
    if (running) return running;
    const upload = this.upload(blob).finally(() => this.uploading.delete(blob.digest));
    this.uploading.set(blob.digest, upload);
    return upload;
  }

  private async upload(blob: SpooledBlob): Promise<void> {
    const key = this.key(blob.digest);
    const there = await this.head(key);
    if (isBlob(there, blob)) {
      if (Date.now() - there.modifiedAtMs >= this.refreshAfterMs) {
        await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.marker(blob.digest), Body: Buffer.alloc(0), ContentLength: 0 })), blob.digest);
        // a collection that checked the marker before it was written may have deleted the blob meanwhile
        if (isBlob(await this.head(key), blob)) return;
      } else {
        return;
      }
    }
    // (an object under a content address that is not that blob's upload was not written by Kiln: replaced)
    const metadata = { [DIGEST_METADATA]: digestHex(blob.digest) };
    if (blob.size <= this.partBytes) {
      const body = createReadStream(blob.file);
      try {
        await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: blob.size, Metadata: metadata })), blob.digest);
      } finally {
        body.destroy();
      }
      return;
    }
    await this.o.uploadInParts(this.client, this.bucket, key, blob.file, blob.size, { partBytes: this.partBytes, metadata }).catch((err: unknown) => {
      throw this.failure(err, blob.digest);
    });
  }

  async get(digest: string): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(digest) }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(digest);
      throw this.failure(err, digest);
    }
  }

  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async size(digest: string): Promise<number | undefined> {
    return (await this.head(this.key(digest)))?.size;
  }

  async delete(digest: string, options: DeleteOptions = {}): Promise<boolean> {
    const blob = await this.head(this.key(digest));
    if (!blob) return false;
    if (options.writtenBeforeMs !== undefined) {
      // `list` read the markers before the blobs: one written since then is only seen here
      const marker = await this.head(this.marker(digest));
      if (Math.max(blob.modifiedAtMs, marker?.modifiedAtMs ?? 0) >= options.writtenBeforeMs) return false;
    }
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(digest) })), digest);
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.marker(digest) })), digest);
    return true;
  }

  async *list(): AsyncGenerator<StoredBlob> {
    const refreshed = new Map<string, number>();
    for await (const o of this.objects(`${this.root}touched/sha256/`)) refreshed.set(o.hex, o.modifiedAtMs);
    for await (const o of this.objects(`${this.root}blobs/sha256/`)) {
      yield { digest: `sha256:${o.hex}`, size: o.size, writtenAtMs: Math.max(o.modifiedAtMs, refreshed.get(o.hex) ?? 0) };
    }
  }

  /**
   * The spool files of processes that are gone, and refresh markers older than `beforeMs` (they
   * only ever matter within the grace). Multipart uploads a killed process left unfinished are
   * not listed here: S3 bills and keeps them until a bucket lifecycle rule
   * (AbortIncompleteMultipartUpload) removes them; docs/deploy.md says to set one.
   */
  async removeStaleTemporaries(beforeMs?: number): Promise<number> {
    let removed = await removeStaleStaging(this.o.spoolDir, beforeMs);
    if (beforeMs === undefined) return removed;
    for await (const o of this.objects(`${this.root}touched/sha256/`)) {
      if (o.modifiedAtMs >= beforeMs) continue;
      await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.key })), `sha256:${o.hex}`);
      removed++;
    }
    return removed;
  }

  private async *objects(prefix: string): AsyncGenerator<{ key: string; hex: string; size: number; modifiedAtMs: number }> {
    let token: string | undefined;
    do {
      const page = await this.call(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })), undefined);
      for (const o of page.Contents ?? []) {
        const hex = o.Key?.slice(prefix.length) ?? '';
        if (HEX.test(hex)) yield { key: o.Key!, hex, size: o.Size ?? 0, modifiedAtMs: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async head(key: string): Promise<HeadResult | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: res.ContentLength ?? 0, modifiedAtMs: res.LastModified?.getTime() ?? 0, recordedHex: res.Metadata?.[DIGEST_METADATA] };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.failure(err, key);
    }
  }

  /** Runs one request; an error names the store and the blob. */
  private async call<T>(request: () => Promise<T>, what: string | undefined): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw this.failure(err, what);
    }
  }

  private failure(err: unknown, what: string | undefined): Error {
    const e = err as Error & { code?: string };
    return new Error(`blob store ${this.location}${what ? ` (${what})` : ''}: ${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`, { cause: err });
  }
}

interface HeadResult {
  size: number;
  modifiedAtMs: number;
  /** The digest (hex) the object's upload recorded, if any. */
  recordedHex: string | undefined;
}

/** Whether the object HEAD found is this blob's upload: its size, and the digest its upload recorded. */
function isBlob(there: HeadResult | undefined, blob: SpooledBlob): there is HeadResult {
  return there !== undefined && there.size === blob.size && there.recordedHex === digestHex(blob.digest);
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
