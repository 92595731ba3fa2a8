import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startKiln, type TestKiln } from './kiln.js';
import type { KilnFixture } from './kiln-fixture.js';
import { startS3, type TestS3 } from './s3.js';

/*
 * One real S3-compatible server (s3rver, see s3.ts) and one Kiln pointed at it, per test file:
 * started by a `before` hook (the server and its buckets first), stopped by an `after` hook (the
 * Kiln first), reached through a fixture object instead of module-level variables. A file's setup
 * that needs either goes in `onStart`: Node 20 starts a file's module-level `before` hooks
 * together, without waiting for the one registered first.
 */

/** Both, once started: what `onStart` is given. */
export interface RunningOss {
  s3: TestS3;
  kiln: TestKiln;
}

/** What {@link ossKilnFixture} gives a test file; its getters are valid inside tests and hooks after the start. */
export interface OssKilnFixture extends KilnFixture {
  /** The running S3-compatible server (the test's own client to arrange and check buckets). */
  readonly s3: TestS3;
}

export interface OssKilnOptions {
  /** Buckets made on the server before the Kiln starts. */
  buckets?: string[];
  /** Settings over `KILN_WORKERS=1` and the server's `KILN_OSS_*` ones (see {@link startKiln}). */
  env?: Record<string, string>;
  /** The file's own setup once both are up (objects, accounts), in the same hook. */
  onStart?: (running: RunningOss) => Promise<void>;
}

/** Registers the hooks of an S3-compatible server and a Kiln using it; call at module level. */
export function ossKilnFixture({ buckets = [], env = {}, onStart }: OssKilnOptions = {}): OssKilnFixture {
  let s3: TestS3 | undefined;
  let kiln: TestKiln | undefined;
  before(async () => {
    s3 = await startS3();
    for (const bucket of buckets) await s3.createBucket(bucket);
    kiln = await startKiln({ KILN_WORKERS: '1', ...s3.env, ...env });
    await onStart?.({ s3, kiln });
  });
  after(async () => {
    await kiln?.stop();
    await s3?.stop();
  });
  const running = (): RunningOss => {
    assert.ok(s3 && kiln, 'the S3 server and the Kiln are started by the before hook');
    return { s3, kiln };
  };
  return {
    get s3() {
      return running().s3;
    },
    get kiln() {
      return running().kiln;
    },
    get v3() {
      return running().kiln.clients.v3;
    },
  };
}
