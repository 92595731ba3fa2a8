import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobNotFoundError, type BlobStore } from '../../src/blobs/blob-store.js';
import { digestBytes } from '../../src/blobs/digest.js';

/** A blob store to run the suite on, fresh and empty; `dispose` removes all it made. */
export interface BlobBackend {
  store: BlobStore;
  dispose(): Promise<void>;
}

export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

async function listed(store: BlobStore): Promise<Map<string, { size: number; writtenAtMs: number }>> {
  const out = new Map<string, { size: number; writtenAtMs: number }>();
  for await (const b of store.list()) out.set(b.digest, { size: b.size, writtenAtMs: b.writtenAtMs });
  return out;
}

/** The blob store suite: the same tests for every backend (the local folder, the S3 test server through the host cache). */
export function blobStoreSuite(name: string, makeBackend: () => Promise<BlobBackend>): void {
  describe(`blob store on ${name}`, () => {
    let backend: BlobBackend;
    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      await backend?.dispose();
    });

    test('put verifies digests, is idempotent, and delete removes', async () => {
      const blobs = backend.store;
      const data = Buffer.from('some blob');
      const a = await blobs.put(data);
      const b = await blobs.put(data, { expectedDigest: a.digest });
      assert.deepEqual(a, b);
      assert.equal(await blobs.has(a.digest), true);
      await assert.rejects(blobs.put(Buffer.from('other'), { expectedDigest: a.digest }), /digest mismatch/);
      assert.equal(await blobs.has(digestBytes('other')), false, 'a mismatching put stores nothing');
      assert.equal(await blobs.delete(a.digest), true);
      assert.equal(await blobs.has(a.digest), false);
      assert.equal(await blobs.delete(a.digest), false);
      await assert.rejects(blobs.get(a.digest), /blob not found/);
    });

    test('get streams the bytes put from a stream; size, has and list agree', async () => {
      const blobs = backend.store;
      const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i)); // 2.5 MiB in pieces
      const whole = Buffer.concat(chunks);
      const startedMs = Date.now();
      const info = await blobs.put(Readable.from(chunks));
      assert.equal(info.digest, digestBytes(whole));
      assert.equal(info.size, whole.length);
      assert.equal(await blobs.size(info.digest), whole.length);
      assert.ok((await readAll(await blobs.get(info.digest))).equals(whole));
      const small = await blobs.put(Buffer.from('{"small":true}'));
      const all = await listed(blobs);
      assert.equal(all.get(info.digest)?.size, whole.length);
      assert.equal(all.get(small.digest)?.size, small.size);
      // the write time as the store's clock gives it (S3: seconds), not before the test began
      assert.ok(all.get(info.digest)!.writtenAtMs >= Math.floor(startedMs / 1000) * 1000 - 1000);
      await blobs.delete(info.digest);
      await blobs.delete(small.digest);
      assert.equal((await listed(blobs)).has(info.digest), false);
    });

    test('absent blobs: get throws BlobNotFoundError, size is undefined, has is false', async () => {
      const absent = digestBytes('never stored');
      await assert.rejects(backend.store.get(absent), (err) => err instanceof BlobNotFoundError && err.digest === absent);
      assert.equal(await backend.store.size(absent), undefined);
      assert.equal(await backend.store.has(absent), false);
      await assert.rejects(backend.store.get('sha256:../../etc/passwd'), /not a sha256 digest/);
    });

    test('a put whose source fails midway stores nothing; puts of one blob at once agree', async () => {
      const blobs = backend.store;
      const before = (await listed(blobs)).size;
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield Buffer.alloc(2 * 1024 * 1024, 7);
        throw new Error('source broke');
      }
      await assert.rejects(blobs.put(failing()), /source broke/);
      assert.equal((await listed(blobs)).size, before);
      const same = Buffer.alloc(300_000, 3);
      const [a, b] = await Promise.all([blobs.put(same), blobs.put(Readable.from([same.subarray(0, 1000), same.subarray(1000)]))]);
      assert.deepEqual(a, b);
      assert.ok((await readAll(await blobs.get(a.digest))).equals(same));
      await blobs.delete(a.digest);
    });
  });
}
