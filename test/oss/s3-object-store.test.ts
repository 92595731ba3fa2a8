import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ObjectStoreError } from '../../src/oss/object-store.js';
import { S3ObjectStore } from '../../src/oss/s3-object-store.js';
import { loadConfig } from '../../src/config/config.js';
import { S3_KEY, startS3, type TestS3 } from '../support/s3.js';

/*
 * The S3 adapter against a real S3-compatible server (s3rver): objects round-trip byte for byte,
 * and each way the store can refuse becomes the ObjectStoreError kind the engine maps to the
 * service's codes. Also the KILN_OSS_* settings.
 */

let s3: TestS3;
let store: S3ObjectStore;

const settings = (over: Partial<{ endpoint: string; accessKeyId: string }> = {}) => ({
  endpoint: s3.endpoint, accessKeyId: S3_KEY.accessKeyId, accessKeySecret: S3_KEY.accessKeySecret, region: 'us-east-1', pathStyle: true, ...over,
});

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ObjectStoreError, String(err));
    return err.kind;
  }
  return 'no error';
}

async function text(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

before(async () => {
  s3 = await startS3();
  await s3.createBucket('store-test');
  store = new S3ObjectStore(settings());
});
after(async () => {
  await s3?.stop();
});

describe('S3ObjectStore', () => {
  test('put then get: the same bytes and their size', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    await store.put('store-test', 'dir/blob.bin', Readable.from([bytes]), bytes.length);
    const got = await store.get('store-test', 'dir/blob.bin');
    assert.equal(got.size, bytes.length);
    assert.ok((await text(got.body)).equals(bytes));
    assert.ok((await s3.get('store-test', 'dir/blob.bin'))!.equals(bytes), 'another client sees the object');
  });

  test('a missing object and a missing bucket are NotFound', async () => {
    assert.equal(await kindOf(store.get('store-test', 'no/such/object')), 'NotFound');
    assert.equal(await kindOf(store.get('no-such-bucket', 'x')), 'NotFound');
  });

  test('a key the store does not know is AccessDenied', async () => {
    const stranger = new S3ObjectStore(settings({ accessKeyId: 'NOT-A-KEY' }));
    assert.equal(await kindOf(stranger.get('store-test', 'dir/blob.bin')), 'AccessDenied');
  });

  test('a bucket name that is not one, or an object name with a . or .. segment, is refused before anything is sent', async () => {
    await s3.createBucket('store-other');
    await s3.put('store-other', 'secret', 'theirs');
    const from = s3.requests.length;
    for (const [bucket, key] of [['store-test', '../store-other/secret'], ['store-test', 'x/../../store-other/secret'], ['store-test', './x'], ['store-test', ''], ['store-test/../store-other', 'secret'], ['Store-Other', 'secret']] as const) {
      assert.equal(await kindOf(store.get(bucket, key)), 'AccessDenied', `${bucket} ${key}`);
      assert.equal(await kindOf(store.put(bucket, key, Readable.from([Buffer.from('over')]), 4)), 'AccessDenied', `${bucket} ${key}`);
    }
    assert.deepEqual(s3.requests.slice(from), []);
    assert.equal((await s3.get('store-other', 'secret'))?.toString(), 'theirs');
    // Dots inside a segment are ordinary object names.
    await store.put('store-test', 'a..b/.c', Readable.from([Buffer.from('ok')]), 2);
    assert.equal((await text((await store.get('store-test', 'a..b/.c')).body)).toString(), 'ok');
  });

  test('an endpoint nobody listens on is Unavailable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const nowhere = new S3ObjectStore(settings({ endpoint: `http://127.0.0.1:${port}` }));
    const err = await nowhere.get('store-test', 'x').catch((e: unknown) => e);
    assert.ok(err instanceof ObjectStoreError);
    assert.equal(err.kind, 'Unavailable');
    assert.match(err.message, new RegExp(`oss://store-test/x at http://127.0.0.1:${port}`));
  });
});

describe('KILN_OSS_* configuration', () => {
  test('absent endpoint: no object store', () => {
    assert.equal(loadConfig({ KILN_DATA_DIR: '/tmp/x' }).oss, undefined);
  });

  test('an endpoint with its key; region, path style and the object size bound have defaults', () => {
    const c = loadConfig({ KILN_DATA_DIR: '/tmp/x', KILN_OSS_ENDPOINT: 'http://minio:9000/', KILN_OSS_ACCESS_KEY_ID: 'a', KILN_OSS_ACCESS_KEY_SECRET: 'b' });
    assert.deepEqual(c.oss, { endpoint: 'http://minio:9000', accessKeyId: 'a', accessKeySecret: 'b', region: 'us-east-1', pathStyle: true, accounts: {}, maxObjectBytes: 64 * 1024 ** 3 });
    const d = loadConfig({ KILN_DATA_DIR: '/tmp/x', KILN_OSS_ENDPOINT: 'https://s3.example', KILN_OSS_ACCESS_KEY_ID: 'a', KILN_OSS_ACCESS_KEY_SECRET: 'b', KILN_OSS_REGION: 'oss-cn-hangzhou', KILN_OSS_PATH_STYLE: 'false' });
    assert.equal(d.oss?.region, 'oss-cn-hangzhou');
    assert.equal(d.oss?.pathStyle, false);
  });

  test('a bad endpoint, a missing key or a bad flag stops the start with the setting named', () => {
    assert.throws(() => loadConfig({ KILN_OSS_ENDPOINT: 'ftp://x', KILN_OSS_ACCESS_KEY_ID: 'a', KILN_OSS_ACCESS_KEY_SECRET: 'b' }), /KILN_OSS_ENDPOINT must be an http\(s\) URL/);
    assert.throws(() => loadConfig({ KILN_OSS_ENDPOINT: 'http://x:9000' }), /KILN_OSS_ACCESS_KEY_ID and KILN_OSS_ACCESS_KEY_SECRET/);
    assert.throws(() => loadConfig({ KILN_OSS_ENDPOINT: 'http://x:9000', KILN_OSS_ACCESS_KEY_ID: 'a', KILN_OSS_ACCESS_KEY_SECRET: 'b', KILN_OSS_PATH_STYLE: 'maybe' }), /KILN_OSS_PATH_STYLE must be true or false/);
  });
});
