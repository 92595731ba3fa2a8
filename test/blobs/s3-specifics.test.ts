import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CachedBlobStore } from '../../src/blobs/cached-blob-store.js';
import { digestBytes, digestHex } from '../../src/blobs/digest.js';
import { S3BlobStore } from '../../src/blobs/s3-blob-store.js';
import { s3ClientOf } from '../../src/blobs/s3-client.js';
import { uploadInParts } from '../../src/oss/s3-multipart.js';
import { S3_KEY, startS3, type TestS3 } from '../support/s3.js';
import { readAll } from './blob-store-suite.js';

/*
 * What only a blob store on S3 does, checked on the S3 test server by the requests it received:
 * multipart uploads of large blobs, no upload of a blob already there, nothing sent for a blob
 * whose digest mismatches, and the host cache (its bound, shared downloads, verification).
 */

const BUCKET = 'kiln-s3-blobs';
const MiB = 1024 * 1024;
let s3: TestS3;
let work: string;
let n = 0;

before(async () => {
  s3 = await startS3();
  await s3.createBucket(BUCKET);
  work = await mkdtemp(join(tmpdir(), 'kiln-s3-blobs-'));
});
after(async () => {
  await s3?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A store on its own key prefix, with a cache of its own when `cacheMaxBytes` is given. */
function stores(options: { partBytes?: number; refreshAfterMs?: number; cacheMaxBytes?: number; prefix?: string } = {}) {
  const prefix = options.prefix ?? `t${++n}`;
  const client = s3ClientOf({ endpoint: s3.endpoint, accessKeyId: S3_KEY.accessKeyId, secretAccessKey: S3_KEY.accessKeySecret });
  const remote = new S3BlobStore({ client, bucket: BUCKET, prefix, spoolDir: join(work, `spool-${n}`), uploadInParts, ...options });
  const cacheDir = join(work, `cache-${prefix}-${++n}`);
  const cached = new CachedBlobStore(remote, { dir: cacheDir, maxBytes: options.cacheMaxBytes ?? 1 << 30 });
  return { prefix, remote, cached, cacheDir };
}

/** The requests received since `from` whose path names `fragment`, as `METHOD` and the names of its query's parameters (the SDK's `x-id` left out). */
function requestsTo(fragment: string, from = 0): string[] {
  return s3.requests.slice(from).filter((r) => r.path.includes(fragment)).map((r) => {
    const names = [...new URLSearchParams(r.path.split('?')[1] ?? '').keys()].filter((k) => k !== 'x-id');
    return [r.method, ...names].join(' ');
  });
}

const cachedFiles = async (dir: string) => (await readdir(join(dir, 'sha256')).catch(() => [] as string[])).sort();

describe('blob store on S3', () => {
  test('a blob larger than a part is uploaded in parts, under its final key only, and reads back whole', async () => {
    const { prefix, remote } = stores({ partBytes: 5 * MiB });
    const data = randomBytes(11 * MiB);
    const from = s3.requests.length;
    const info = await remote.put(Readable.from([data.subarray(0, 4 * MiB), data.subarray(4 * MiB)]));
    assert.equal(info.digest, digestBytes(data));
    const key = `${prefix}/blobs/sha256/${digestHex(info.digest)}`;
    assert.deepEqual(requestsTo(key, from), ['HEAD', 'POST uploads', 'PUT partNumber uploadId', 'PUT partNumber uploadId', 'PUT partNumber uploadId', 'POST uploadId']);
    assert.deepEqual(await s3.keys(BUCKET, `${prefix}/`), [key]);
    assert.ok((await readAll(await remote.get(info.digest))).equals(data));
    assert.deepEqual(await readdir(join(work, `spool-${n - 1}`)), [], 'the spool file is gone');
  });

  test('a put whose digest mismatches sends nothing and leaves no object', async () => {
    const { prefix, cached } = stores();
    const from = s3.requests.length;
    await assert.rejects(cached.put(Buffer.from('these bytes'), { expectedDigest: digestBytes('other bytes') }), /digest mismatch/);
    assert.deepEqual(s3.requests.slice(from), []);
    assert.deepEqual(await s3.keys(BUCKET, `${prefix}/`), []);
  });

  test('a second put of a blob is not uploaded again; one past refreshAfterMs refreshes its write time with a marker', async () => {
    const { prefix, remote, cached } = stores({ refreshAfterMs: 60_000 });
    const data = randomBytes(1000);
    const key = `${prefix}/blobs/sha256/${digestHex(digestBytes(data))}`;
    const from = s3.requests.length;
    await cached.put(data);
    await cached.put(data);
    await remote.put(Readable.from([data]));
    assert.deepEqual(requestsTo(key, from), ['HEAD', 'PUT', 'HEAD', 'HEAD'], 'one upload, then existence checks only');

    const refreshing = new S3BlobStore({ client: s3ClientOf({ endpoint: s3.endpoint, accessKeyId: S3_KEY.accessKeyId, secretAccessKey: S3_KEY.accessKeySecret }), bucket: BUCKET, prefix, spoolDir: join(work, 'spool-refresh'), uploadInParts, refreshAfterMs: 0 });
    await refreshing.put(data);
    const marker = `${prefix}/touched/sha256/${digestHex(digestBytes(data))}`;
    assert.deepEqual(await s3.keys(BUCKET, `${prefix}/`), [key, marker]);
    assert.deepEqual(requestsTo(key, from).filter((r) => r.startsWith('PUT')), ['PUT'], 'still one upload of the blob');
    const listed = [];
    for await (const b of refreshing.list()) listed.push(b.digest);
    assert.deepEqual(listed, [digestBytes(data)]);
    // the markers go once older than the grace; what is left is the blob
    assert.equal(await refreshing.removeStaleTemporaries(Date.now() + 60_000), 1);
    assert.deepEqual(await s3.keys(BUCKET, `${prefix}/`), [key]);
    assert.equal(await cached.delete(digestBytes(data)), true);
    assert.deepEqual(await s3.keys(BUCKET, `${prefix}/`), []);
  });

  test('a put that finds its blob, refreshes it, and sees it deleted meanwhile (another host collecting) uploads it again', async () => {
    const { prefix, remote } = stores({ refreshAfterMs: 0 });
    const bytes = randomBytes(4096);
    const { digest } = await remote.put(bytes);
    const client = (remote as unknown as { client: { send: (c: unknown) => Promise<unknown> } }).client;
    const send = client.send.bind(client);
    // the collection deletes the blob between this put's HEAD and its marker
    client.send = async (command: unknown) => {
      const input = (command as { input?: { Key?: string } }).input;
      if (command instanceof PutObjectCommand && input?.Key?.includes('/touched/')) {
        await send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}/blobs/sha256/${digestHex(digest)}` }));
      }
      return send(command);
    };
    try {
      assert.equal((await remote.put(bytes)).digest, digest);
    } finally {
      client.send = send;
    }
    assert.deepEqual(await s3.get(BUCKET, `${prefix}/blobs/sha256/${digestHex(digest)}`), bytes, 'the blob is in the bucket when put resolves');
  });

  test('a put replaces an object under its key that records no digest or another (a tampered bucket), in parts or not; the digest it records then skips the next put', async () => {
    const { prefix, remote } = stores({ partBytes: 5 * MiB });
    const client = s3ClientOf({ endpoint: s3.endpoint, accessKeyId: S3_KEY.accessKeyId, secretAccessKey: S3_KEY.accessKeySecret });
    for (const data of [randomBytes(6 * MiB), randomBytes(3000)]) {
      const key = `${prefix}/blobs/sha256/${digestHex(digestBytes(data))}`;
      const wrong = randomBytes(data.length);
      // the large blob's object records nothing; the small one's records the digest of its own bytes
      const Metadata: Record<string, string> = data.length > 5 * MiB ? {} : { sha256: digestHex(digestBytes(wrong)) };
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: wrong, ContentLength: wrong.length, Metadata }));
      await remote.put(data);
      assert.ok((await s3.get(BUCKET, key))?.equals(data), 'the object is the blob again');
      assert.equal(digestBytes(await readAll(await remote.get(digestBytes(data)))), digestBytes(data));
      const from = s3.requests.length;
      await remote.put(data);
      assert.deepEqual(requestsTo(key, from), ['HEAD'], 'a put of a blob there, digest recorded, only checks');
    }
    client.destroy();
  });

  test('the host cache: readers of one blob share one download; the bound holds, least recently used first', async () => {
    const { prefix, remote } = stores();
    const blobs = [randomBytes(40), randomBytes(40), randomBytes(40)];
    const digests = await Promise.all(blobs.map(async (b) => (await remote.put(b)).digest));
    const { cached, cacheDir } = stores({ prefix, cacheMaxBytes: 100 });
    const from = s3.requests.length;
    const reads = await Promise.all([0, 1, 2].map(async () => readAll(await cached.get(digests[0]!))));
    for (const r of reads) assert.ok(r.equals(blobs[0]!));
    assert.deepEqual(requestsTo(digestHex(digests[0]!), from), ['GET'], 'one download for three readers');
    await readAll(await cached.get(digests[1]!));
    await readAll(await cached.get(digests[0]!)); // a cache hit: digests[1] is now the least recently used
    assert.deepEqual(requestsTo(digestHex(digests[0]!), from), ['GET']);
    const file2 = await cached.path(digests[2]!);
    assert.ok(file2?.startsWith(cacheDir));
    assert.deepEqual(await cachedFiles(cacheDir), [digestHex(digests[0]!), digestHex(digests[2]!)].sort());
    assert.ok((await cached.cachedBytes()) <= 100);
    assert.equal(await cached.path(digestBytes('absent')), undefined);
  });

  test('the host cache: a corrupt cached file is found, dropped and downloaded again; a remote object that is not its blob is refused', async () => {
    const { prefix, cached, cacheDir } = stores();
    const data = randomBytes(5000);
    const { digest } = await cached.put(data); // kept in the cache as uploaded
    const file = join(cacheDir, 'sha256', digestHex(digest));
    await writeFile(file, randomBytes(5000));
    // the next process on this host (a new store on the same folder) hashes the file before its first use
    const restarted = new CachedBlobStore(cached.remote, { dir: cacheDir, maxBytes: 1 << 30 });
    const from = s3.requests.length;
    assert.ok((await readAll(await restarted.get(digest))).equals(data));
    assert.deepEqual(requestsTo(digestHex(digest), from), ['GET']);

    const claimed = digestBytes('what the key names');
    await s3.put(BUCKET, `${prefix}/blobs/sha256/${digestHex(claimed)}`, 'other bytes');
    await assert.rejects(restarted.get(claimed), /digest mismatch.*is not that blob/);
    assert.deepEqual(await cachedFiles(cacheDir), [digestHex(digest)]);
    assert.deepEqual(await readdir(join(cacheDir, 'tmp')), []);
  });
});
