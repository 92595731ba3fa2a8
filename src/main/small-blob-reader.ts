import type { BlobStore } from '../blobs/blob-store.js';
import type { SmallBlobReader } from '../domain/image-layers.js';

/** The app's `SmallBlobReader` over a blob store: its size is checked first, and the read stops past `maxBytes` all the same. */
export function smallBlobReader(blobs: BlobStore): SmallBlobReader {
  return {
    async read(digest, maxBytes) {
      const size = await blobs.size(digest);
      if (size === undefined) throw new Error(`blob ${digest} is not in the blob store`);
      if (size > maxBytes) throw new Error(`blob ${digest} has ${size} bytes, more than the ${maxBytes} read for it`);
      const stream = await blobs.get(digest);
      const chunks: Buffer[] = [];
      let bytes = 0;
      try {
        for await (const chunk of stream) {
          bytes += (chunk as Buffer).byteLength;
          if (bytes > maxBytes) throw new Error(`blob ${digest} has more than the ${maxBytes} bytes read for it`);
          chunks.push(chunk as Buffer);
        }
      } finally {
        stream.destroy();
      }
      return Buffer.concat(chunks);
    },
  };
}
