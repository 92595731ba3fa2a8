import { createReadStream } from 'node:fs';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MultipartOptions } from './object-store.js';

/** S3's limits: at most 10 000 parts, each at least 5 MiB (but the last). */
const MAX_PARTS = 10_000;
const MIN_PART = 5 * 1024 * 1024;

/**
 * A multipart upload of `file` to `bucket/key` (see `ObjectStore.putFile`): parts read from the
 * file one at a time, so memory stays at one request's buffers; the part size grows past
 * `options.partBytes` when the file would need more than 10 000 parts. The upload is aborted
 * (its parts discarded by the store) when anything fails or the signal aborts.
 */
export async function uploadInParts(client: S3Client, bucket: string, key: string, file: string, size: number, options: MultipartOptions): Promise<void> {
  const partBytes = Math.max(MIN_PART, options.partBytes, Math.ceil(size / MAX_PARTS));
  const signal = options.signal;
  const send = signal ? { abortSignal: signal } : {};
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...(options.metadata ? { Metadata: options.metadata } : {}) }), send);
  if (!UploadId) throw new Error(`oss://${bucket}/${key}: the store gave no multipart upload id`);
  try {
    const parts: Array<{ ETag: string; PartNumber: number }> = [];
    for (let start = 0, n = 1; start < size || n === 1; start += partBytes, n++) {
      signal?.throwIfAborted();
      const length = Math.min(partBytes, size - start);
      const body = length > 0 ? createReadStream(file, { start, end: start + length - 1 }) : Buffer.alloc(0);
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body, ContentLength: length }), send);
      parts.push({ ETag: ETag ?? '', PartNumber: n });
      options.onBytes?.(length);
    }
    signal?.throwIfAborted();
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }), send);
  } catch (err) {
    // without the signal: an abort must still discard the parts already stored
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
    throw err;
  }
}
