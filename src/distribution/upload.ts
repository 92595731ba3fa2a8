import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';

/** A blob to send: its digest, size, and its bytes from a given offset. */
export interface BlobSource {
  digest: string;
  size: number;
  open(): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
}

/** The default size of one PATCH of a chunked upload. */
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

const pushScope = (repository: string) => `repository:${repository}:pull,push`;

/** `HEAD /v2/<repository>/blobs/<digest>`: whether the repository has the blob (its size must match). */
export async function blobExists(client: RegistryClient, repository: string, digest: string, size?: number): Promise<boolean> {
  const res = await client.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes: [pushScope(repository)], repository }, (s) => s < 400 || s === 404);
  await res.body?.cancel();
  if (res.status === 404) return false;
  const length = res.headers.get('content-length');
  return size === undefined || length === null || Number(length) === size;
}

/**
 * Starts an upload: with `from`, asks to mount the blob from that repository of the same
 * registry (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`). Returns 'mounted' when the
 * registry mounted it (201), else the location of the upload session it opened instead (202).
 */
export async function startUpload(client: RegistryClient, repository: string, digest: string, from?: string): Promise<'mounted' | string> {
  const query = from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : '';
  const scopes = from ? [pushScope(repository), `repository:${from}:pull`] : [pushScope(repository)];
  const res = await client.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/${query}`, scopes, repository, headers: { 'content-length': '0' }, idempotent: true });
  await res.body?.cancel();
  if (res.status === 201 && from) return 'mounted';
  const location = res.headers.get('location');
  if (res.status !== 202 || !location) throw new RegistryError(`${client.registry}/${repository}: POST blobs/uploads/ answered ${res.status} without an upload location`, res.status);
  return location;
}

/**
 * Sends the blob through the session at `location` in PATCH chunks of `chunkBytes` (each with
 * its `Content-Range`; the registry's next location is followed), then `PUT ?digest=` closes it.
 * `progress` is told each chunk's bytes once the registry took them.
 */
export async function uploadChunks(client: RegistryClient, repository: string, location: string, blob: BlobSource, chunkBytes: number, progress: (bytes: number) => void): Promise<void> {
  const scopes = [pushScope(repository)];
  let offset = 0;
  let next = location;
  for await (const chunk of chunks(await blob.open(), chunkBytes)) {
    const res = await client.request({
      method: 'PATCH', path: next, scopes, repository, body: chunk,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-length': String(chunk.length) },
    });
    await res.body?.cancel();
    next = res.headers.get('location') ?? next;
    offset += chunk.length;
    progress(chunk.length);
  }
  if (offset !== blob.size) throw new RegistryError(`${client.registry}/${repository}: the blob ${blob.digest} has ${offset} bytes in Kiln's store, its manifest says ${blob.size}`);
  const url = client.url(next);
  url.searchParams.set('digest', blob.digest);
  const res = await client.request({ method: 'PUT', path: url.href, scopes, repository, headers: { 'content-length': '0' } });
  await res.body?.cancel();
  if (res.status !== 201 && res.status !== 204) throw new RegistryError(`${client.registry}/${repository}: closing the upload of ${blob.digest} answered ${res.status}`, res.status);
}

/** The bytes of `source` in buffers of exactly `size` bytes (the last one shorter). */
async function* chunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const piece of source) {
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (length + buf.length >= size) {
      const take = size - length;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      pending = [];
      length = 0;
      buf = buf.subarray(take);
    }
    if (buf.length > 0) {
      pending.push(Buffer.from(buf));
      length += buf.length;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}
