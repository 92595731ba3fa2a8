import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Telemetry } from '../domain/telemetry.js';

/**
 * `store` with the bytes its callers put (`in`) and stream back with `get` (`out`) counted
 * (`kiln_blob_store_bytes_total`). A put of a blob already stored counts its size again (the
 * caller sent it); reads of the local file `path` gives are not counted (they bypass the store).
 */
export function countedBlobStore(store: BlobStore, telemetry: Telemetry): BlobStore {
  const counted: BlobStore = {
    put: async (data, options) => {
      const info = await store.put(data, options);
      telemetry.blobBytes('in', info.size);
      return info;
    },
    get: async (digest) => {
      const source = await store.get(digest);
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
        flush(done) {
          telemetry.blobBytes('out', bytes);
          done();
        },
      });
      // An error on either side (the reader gone, the source failing) ends both; the reader sees it on `counter`.
      pipeline(source, counter).catch(() => {});
      return counter as Readable;
    },
    has: (digest) => store.has(digest),
    size: (digest) => store.size(digest),
    delete: (digest, options) => store.delete(digest, options),
    list: () => store.list(),
    removeStaleTemporaries: (beforeMs) => store.removeStaleTemporaries(beforeMs),
  };
  const path = store.path?.bind(store);
  if (path) counted.path = path;
  return counted;
}
