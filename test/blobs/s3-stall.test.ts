import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CachedBlobStore } from '../../src/blobs/cached-blob-store.js';
import { digestBytes, digestHex } from '../../src/blobs/digest.js';
import { S3BlobStore } from '../../src/blobs/s3-blob-store.js';
import { s3ClientOf } from '../../src/blobs/s3-client.js';
import { uploadInParts } from '../../src/oss/s3-multipart.js';

/*
 * An S3 endpoint that stalls: a TCP server on loopback that accepts every connection and
 * either never answers (a blob's key names `SILENT`) or sends a response head and the first
 * bytes of the body and then nothing (`TORN`). A read of either must fail within the client's
 * idle timeout instead of hanging every reader of the blob; the cache keeps no partial file.
 */

const SILENT = digestBytes('a blob whose server never answers');
const TORN = digestBytes('a blob whose body stops');
let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let work: string;

before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (head.includes(digestHex(TORN)) && head.startsWith('GET ')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n');
        socket.write(Buffer.alloc(1000, 7));
      }
      head = '';
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  work = await mkdtemp(join(tmpdir(), 'kiln-s3-stall-'));
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

function cachedStore(): { cached: CachedBlobStore; cacheDir: string } {
  const client = s3ClientOf({ endpoint, accessKeyId: 'K', secretAccessKey: 'S', idleTimeoutMs: 300 });
  const remote = new S3BlobStore({ client, bucket: 'stalled', prefix: 'p', spoolDir: join(work, 'spool'), uploadInParts });
  const cacheDir = join(work, 'cache');
  return { cached: new CachedBlobStore(remote, { dir: cacheDir, maxBytes: 1 << 30 }), cacheDir };
}

// the test's timeout only bounds a failure (a hang before the fix); nothing asserts on elapsed time
describe('blob store on a stalled S3 connection', () => {
  test('a server that accepts and never answers fails the read and the existence check', { timeout: 15_000 }, async () => {
    const { cached } = cachedStore();
    await assert.rejects(cached.get(SILENT), /timed out/);
    await assert.rejects(cached.has(SILENT), /timed out/);
  });

  test('a body that stops midway fails every reader of the blob; the cache keeps no partial file', { timeout: 15_000 }, async () => {
    const { cached, cacheDir } = cachedStore();
    const readers = await Promise.allSettled([cached.get(TORN), cached.get(TORN), cached.path(TORN)]);
    for (const r of readers) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /timed out/);
    }
    assert.deepEqual(await readdir(join(cacheDir, 'tmp')), [], 'no partial download left');
    assert.deepEqual(await readdir(join(cacheDir, 'sha256')), [], 'nothing cached');
  });
});
