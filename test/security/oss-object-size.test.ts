import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createComponent, importImageOptions } from '../support/ecs-requests.js';
import { build, uniqueName } from '../support/builds.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';

/*
 * Issue 8, item 5: what OSS moves through the host is bounded. OSSUpload read a file out of the
 * instance at its whole logical size (a sparse file is free in the instance) into a folder on
 * the host before sending it; a BaseImageType=OSS object was downloaded to the host whatever its
 * size. With KILN_OSS_MAX_OBJECT_BYTES=16 MiB both end FAILED with OSS.ObjectTooLarge, the
 * upload before the file is read (nothing reaches the bucket), the download before the object
 * is (its size is known). Real builds on busybox, a real S3-compatible server (s3rver).
 */

const run = promisify(execFile);
const MiB = 1024 ** 2;
const BUCKET = 'sizes';

const oss = ossKilnFixture({ buckets: [BUCKET], env: { KILN_OSS_MAX_OBJECT_BYTES: String(16 * MiB) }, onStart: putLargeObject });
let work: string;

/** A gzip of 24 MiB of random bytes in a tar: larger than the setting as an object. */
async function putLargeObject({ s3 }: RunningOss): Promise<void> {
  work = mkdtempSync(join(tmpdir(), 'kiln-oss-size-'));
  mkdirSync(join(work, 'root'));
  await run('head', ['-c', String(24 * MiB), '/dev/urandom'], { encoding: 'buffer', maxBuffer: 32 * MiB }).then(({ stdout }) => writeFileSync(join(work, 'root', 'noise'), stdout));
  await run('tar', ['-C', join(work, 'root'), '-czf', join(work, 'big.tar.gz'), '.']);
  const { stdout } = await run('cat', [join(work, 'big.tar.gz')], { encoding: 'buffer', maxBuffer: 64 * MiB });
  await s3.put(BUCKET, 'bases/big.tar.gz', stdout);
}

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What the engine keeps of OSS transfers on the host right now (nothing once a build ended). */
function scratchFiles(): string[] {
  try {
    return readdirSync(join(oss.kiln.config.dataDir, 'tmp', 'oss'), { recursive: true }).map(String);
  } catch {
    return [];
  }
}

describe('security: OSS objects through the host are bounded', () => {
  test('OSSUpload of a 64 MiB sparse file: FAILED with OSS.ObjectTooLarge, nothing uploaded', async () => {
    const componentId = await createComponent(oss.v3, {
      name: uniqueName('oss-size'),
      content: ['Tasks:', '  - Name: send', '    Action: OSSUpload', '    Properties:',
        `      bucketName: ${BUCKET}`, '      fileToUpload: /tmp/sparse', '      objectName: out/sparse'].join('\n'),
    });
    const { item } = await build(oss.v3, { buildContent: `RUN truncate -s ${64 * MiB} /tmp/sparse\nCOMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'OSS.ObjectTooLarge', JSON.stringify(item));
    assert.match(item.errorInfo ?? '', /OSSUpload: \/tmp\/sparse \(sparse files count at their full size\) holds 67108864 bytes, more than the 16777216 bytes this Kiln moves through the host \(KILN_OSS_MAX_OBJECT_BYTES\)/);
    assert.equal(await oss.s3.get(BUCKET, 'out/sparse'), undefined, 'nothing was uploaded');
    assert.deepEqual(scratchFiles(), []);
  });

  test('OSSUpload of a file within the bound still works', async () => {
    const componentId = await createComponent(oss.v3, {
      name: uniqueName('oss-size'),
      content: ['Tasks:', '  - Name: send', '    Action: OSSUpload', '    Properties:',
        `      bucketName: ${BUCKET}`, '      fileToUpload: /small', '      objectName: out/small'].join('\n'),
    });
    const { item } = await build(oss.v3, { buildContent: `RUN printf 'within the bound\\n' > /small\nCOMPONENT ${componentId}` });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.equal((await oss.s3.get(BUCKET, 'out/small'))?.toString(), 'within the bound\n');
  });

  test('a BaseImageType=OSS object larger than KILN_OSS_MAX_OBJECT_BYTES: FAILED at PREPARING with OSS.ObjectTooLarge', async () => {
    const { item } = await build(oss.v3, {
      baseImageType: 'OSS', baseImage: undefined, importImageOptions: importImageOptions({ mappings: [{ bucket: BUCKET, object: 'bases/big.tar.gz' }] }),
      buildContent: 'RUN true',
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'OSS.ObjectTooLarge', JSON.stringify(item));
    assert.match(item.message ?? '', /^Failed during PREPARING/);
    assert.match(item.errorInfo ?? '', /oss:\/\/sizes\/bases\/big\.tar\.gz holds \d+ bytes, more than the 16777216 bytes this Kiln downloads to import \(KILN_OSS_MAX_OBJECT_BYTES\)/);
    assert.deepEqual(scratchFiles(), []);
  });
});
