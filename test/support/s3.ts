import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';

/*
 * A real S3-compatible server for the tests: s3rver (an npm devDependency, S3's REST protocol
 * over a folder) on a free loopback port, and an S3 client of the test's own to arrange and
 * check buckets. s3rver knows one key pair, `S3RVER` / `S3RVER`, and refuses other key ids
 * (`addKey` registers more; it checks key ids only, never a SigV4 signature, so `requests`
 * records which key id signed each request).
 */

/** A request the server received, and the key id its Authorization header names. */
export interface S3Request {
  method: string;
  /** The request's path as sent, e.g. `/bucket/key`. */
  path: string;
  accessKeyId: string | undefined;
}

export interface TestS3 {
  endpoint: string;
  /** The `KILN_OSS_*` settings that point a Kiln at this server. */
  env: Record<string, string>;
  /** The `KILN_BLOB_STORE` and `KILN_S3_*` settings that keep a Kiln's blobs in `s3://<bucket>/<prefix>` here (create the bucket first). */
  blobStoreEnv(bucket: string, prefix?: string): Record<string, string>;
  /** The keys of the bucket's objects under `prefix`, sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** Makes an object look written `ms` ago (s3rver's LastModified is its file's mtime). */
  backdate(bucket: string, key: string, ms: number): void;
  /** Every request received so far, the test's own client's included, in arrival order. */
  requests: S3Request[];
  /** Makes the server accept another key id (as another S3 account of its own). */
  addKey(accessKeyId: string, accessKeySecret: string): void;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
  /** The object's bytes, or undefined when there is no such object. */
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  stop(): Promise<void>;
}

export const S3_KEY = { accessKeyId: 'S3RVER', accessKeySecret: 'S3RVER' };

/**
 * `address`: where the server listens (default 127.0.0.1), e.g. a veth address reachable from a
 * test's network namespace; the endpoint and the env name that address.
 */
export async function startS3(options: { address?: string } = {}): Promise<TestS3> {
  const address = options.address ?? '127.0.0.1';
  const directory = mkdtempSync(join(tmpdir(), 'kiln-s3-'));
  const server = new S3rver({ address, port: 0, silent: true, directory });
  const { port } = await server.run();
  const requests: S3Request[] = [];
  server.httpServer!.on('request', (req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> }) => {
    const auth = req.headers.authorization;
    const keyId = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
    requests.push({ method: req.method ?? '', path: req.url ?? '', accessKeyId: keyId });
  });
  const endpoint = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const client = new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY.accessKeyId, secretAccessKey: S3_KEY.accessKeySecret },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    env: { KILN_OSS_ENDPOINT: endpoint, KILN_OSS_ACCESS_KEY_ID: S3_KEY.accessKeyId, KILN_OSS_ACCESS_KEY_SECRET: S3_KEY.accessKeySecret },
    requests,
    blobStoreEnv: (bucket, prefix = '') => ({
      KILN_BLOB_STORE: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      KILN_S3_ENDPOINT: endpoint,
      KILN_S3_ACCESS_KEY_ID: S3_KEY.accessKeyId,
      KILN_S3_SECRET_ACCESS_KEY: S3_KEY.accessKeySecret,
    }),
    async keys(bucket, prefix = '') {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) out.push(o.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort();
    },
    backdate(bucket, key, ms) {
      const parts = key.split('/');
      const when = new Date(Date.now() - ms);
      utimesSync(join(directory, bucket, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`), when, when);
    },
    addKey(accessKeyId, accessKeySecret) {
      new AWSAccount(Math.floor(Math.random() * 1e12), accessKeyId).createKeyPair(accessKeyId, accessKeySecret);
    },
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    },
    async get(bucket, key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async stop() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
