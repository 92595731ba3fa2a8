import type { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ObjectStoreError, type MultipartOptions, type ObjectStore, type ObjectStoreErrorKind, type StoredObject } from './object-store.js';
import { uploadInParts } from './s3-multipart.js';
import { isBucketName } from './oss-grants.js';

/** Where the S3-compatible server is and how to sign for it (`KILN_OSS_*`). */
export interface S3Settings {
  /** `http(s)://host:port` of the server. */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** The SigV4 signing region; S3-compatible servers mostly accept any (default `us-east-1`). */
  region: string;
  /** `http://host/bucket/key` (true, what most self-hosted servers want) or `http://bucket.host/key`. */
  pathStyle: boolean;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'AccountProblem', 'InvalidObjectState']);

/** The object store behind an S3-compatible endpoint (MinIO, Ceph RGW, OSS's S3 endpoint, s3rver…), through the AWS SDK. */
export class S3ObjectStore implements ObjectStore {
  readonly endpoint: string;
  private readonly client: S3Client;

  constructor(s: S3Settings) {
    this.endpoint = s.endpoint;
    this.client = new S3Client({
      endpoint: s.endpoint,
      region: s.region,
      forcePathStyle: s.pathStyle,
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.accessKeySecret },
      // The SDK's default CRC32 trailers send bodies as `aws-chunked`, which many S3-compatible
      // servers (OSS, s3rver, older MinIO) store verbatim or refuse: checksum only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async get(bucket: string, key: string, signal?: AbortSignal): Promise<StoredObject> {
    this.refuseUnsafe(bucket, key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
      const body = res.Body as Readable | undefined;
      if (!body) throw new ObjectStoreError('Failed', `${this.where(bucket, key)}: the store sent no body`);
      return res.ContentLength === undefined ? { body } : { body, size: res.ContentLength };
    } catch (err) {
      throw this.translate(err, bucket, key, 'read');
    }
  }

  async put(bucket: string, key: string, body: Readable, size: number, signal?: AbortSignal): Promise<void> {
    try {
      this.refuseUnsafe(bucket, key);
    } catch (err) {
      body.destroy();
      throw err;
    }
    try {
      await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      throw this.translate(err, bucket, key, 'write');
    }
  }

  async copy(bucket: string, fromKey: string, toKey: string, signal?: AbortSignal): Promise<void> {
    this.refuseUnsafe(bucket, fromKey);
    this.refuseUnsafe(bucket, toKey);
    const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      throw this.translate(err, bucket, toKey, 'write');
    }
  }

  async putFile(bucket: string, key: string, file: string, size: number, options: MultipartOptions): Promise<void> {
    this.refuseUnsafe(bucket, key);
    try {
      await uploadInParts(this.client, bucket, key, file, size, options);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw this.translate(err, bucket, key, 'write');
    }
  }

  async delete(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    this.refuseUnsafe(bucket, key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      throw this.translate(err, bucket, key, 'write');
    }
  }

  /**
   * The bucket and key travel in the request's path (or host): a bucket name with a `/` or a
   * key with a `.` or `..` segment would be resolved by the HTTP layers into another bucket's
   * object (`oss://mine/../theirs/x` reads `oss://theirs/x`), so neither is ever sent.
   */
  private refuseUnsafe(bucket: string, key: string): void {
    if (!isBucketName(bucket)) {
      throw new ObjectStoreError('AccessDenied', `${this.where(bucket, key)}: "${bucket}" is not a valid bucket name (3 to 63 lowercase letters, digits, hyphens and single dots); Kiln does not send it.`);
    }
    if (key === '' || key.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new ObjectStoreError('AccessDenied', `${this.where(bucket, key)}: an object name that is empty or has a "." or ".." segment would reach outside the bucket; Kiln does not send it.`);
    }
  }

  private where(bucket: string, key: string): string {
    return `oss://${bucket}/${key} at ${this.endpoint}`;
  }

  private translate(err: unknown, bucket: string, key: string, verb: 'read' | 'write'): ObjectStoreError {
    if (err instanceof ObjectStoreError) return err;
    const where = this.where(bucket, key);
    if (err instanceof S3ServiceException) {
      const status = err.$metadata?.httpStatusCode ?? 0;
      const kind: ObjectStoreErrorKind = NOT_FOUND.has(err.name) || status === 404 ? 'NotFound'
        : DENIED.has(err.name) || status === 403 ? 'AccessDenied'
          : status >= 500 ? 'Unavailable' : 'Failed';
      const what = kind === 'NotFound' ? (err.name === 'NoSuchBucket' ? 'the bucket does not exist' : 'the object does not exist')
        : kind === 'AccessDenied' ? `the store refused to let Kiln ${verb} it` : `the store failed to ${verb} it`;
      return new ObjectStoreError(kind, `${where}: ${what} (${err.name}${err.message && err.message !== err.name ? `: ${err.message}` : ''})`, err.name);
    }
    const e = err as Error & { code?: string };
    // Not an answer from the store: the connection failed or was cut.
    return new ObjectStoreError('Unavailable', `${where}: the store could not be reached (${e.code ?? e.name}: ${e.message})`);
  }
}
