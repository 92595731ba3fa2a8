import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { createComponent, importImageOptions, type PipelineFields } from '../support/ecs-requests.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { convertDisk, makeFilesystem, makeRawDisk } from '../import/support/disks.js';
import { assertNoLeftovers, build, describeImages, logsContaining, uniqueName } from '../support/builds.js';

/*
 * OSS against a real S3-compatible server (s3rver): BaseImageType=OSS imports a rootfs tarball
 * from a bucket and builds on it; OSSDownload and OSSUpload move files between the bucket and
 * an instance that has no network (the engine does the transfer on the host). Without a
 * configured endpoint both fail with OSS.NotConfigured. Every build leaves nothing behind.
 */

const run = promisify(execFile);
const IMAGES = 'kiln-images';
const DATA = 'kiln-data';

let s3: TestS3;
let kiln: TestKiln;
let bare: TestKiln;
let work: string;
const blob = randomBytes(300_000);

function ossBase(object: string, format?: string): PipelineFields {
  return {
    baseImageType: 'OSS', baseImage: undefined,
    importImageOptions: importImageOptions({ mappings: [{ bucket: IMAGES, object, ...(format ? { format } : {}) }] }),
  };
}

/** Nothing of the build on the machine, and no transfer file left in the scratch folder. */
async function assertClean(k: TestKiln, executionId: string): Promise<void> {
  await assertNoLeftovers(k.config.dataDir, executionId);
  const scratch = join(k.config.dataDir, 'tmp', 'oss');
  assert.deepEqual(existsSync(scratch) ? readdirSync(scratch) : [], [], 'transfer files left in the scratch folder');
}

before(async () => {
  s3 = await startS3();
  await s3.createBucket(IMAGES);
  await s3.createBucket(DATA);
  kiln = await startKiln({ KILN_WORKERS: '1', ...s3.env });
  bare = await startKiln({ KILN_WORKERS: '1' });

  // A busybox root filesystem (made in a scratch layer store) with a marker file, as a tar.gz.
  work = mkdtempSync(join(tmpdir(), 'kiln-oss-'));
  const base = await ensureBusyboxBase(new LayerStore(join(work, 'scratch'), new LocalBlobStore(join(work, 'scratch', 'blobs'))));
  const stage = join(work, 'rootfs');
  await run('cp', ['-a', `${base.dir}/.`, stage]);
  writeFileSync(join(stage, 'etc', 'from-oss'), 'oss-rootfs\n');
  const tgz = join(work, 'rootfs.tar.gz');
  await run('tar', ['-C', stage, '-czf', tgz, '.']);
  await s3.put(IMAGES, 'bases/rootfs.tar.gz', readFileSync(tgz));
  // The first bytes of a QCOW2 disk image and nothing more: a truncated disk Kiln must refuse.
  await s3.put(IMAGES, 'bases/disk.qcow2', Buffer.concat([Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'), Buffer.alloc(4096)]));
  // The same root filesystem as a GPT + ext4 disk in QCOW2, made with mkfs.ext4 -d, sfdisk and qemu-img.
  makeFilesystem(join(work, 'root.ext4'), 'ext4', stage, 64 * 1024 * 1024);
  makeRawDisk(join(work, 'disk.raw'), 'gpt', [join(work, 'root.ext4')]);
  convertDisk(join(work, 'disk.raw'), 'qcow2', join(work, 'rootfs.qcow2'));
  await s3.put(IMAGES, 'bases/rootfs.qcow2', readFileSync(join(work, 'rootfs.qcow2')));
  // A gzip file that holds no tar: an archive Kiln cannot read.
  await s3.put(IMAGES, 'bases/not-a-tar.tar.gz', gzipSync(Buffer.from('not a tar archive\n'.repeat(100))));

  await s3.put(DATA, 'inputs/hello.txt', 'hello from the bucket\n');
  await s3.put(DATA, 'inputs/blob.bin', blob);
});

after(async () => {
  await kiln?.stop();
  await bare?.stop();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('BaseImageType=OSS', () => {
  test('a rootfs tarball in the bucket becomes the base: the build sees its files and reaches SUCCESS', async () => {
    const name = uniqueName('oss-base');
    const { executionId, item, seen } = await build(kiln.clients.v3, {
      ...ossBase('bases/rootfs.tar.gz'), name, imageName: name,
      buildContent: 'RUN test "$(cat /etc/from-oss)" = oss-rootfs && echo "seen: $(cat /etc/from-oss)"\nRUN echo built > /built-on-oss',
      testContent: 'RUN cat /etc/from-oss /built-on-oss',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.ok(seen.includes('BUILDING'));
    const logs = await logsContaining(kiln.app.store, executionId, 'seen: oss-rootfs');
    assert.match(logs, /Importing the base image from oss:\/\/kiln-images\/bases\/rootfs\.tar\.gz/);
    const [image] = await describeImages(kiln.clients.v3, { imageId: item.imageId! });
    assert.equal(image?.imageName, `${name}_${executionId}`);
    // Without RetainImportedImage the import is the build's own: no image of it is listed.
    assert.deepEqual(await describeImages(kiln.clients.v3, { imageName: `import_${executionId}` }), []);
    await assertClean(kiln, executionId);
  });

  test('RetainImportedImage keeps the import as an image of the account', async () => {
    const fields = ossBase('bases/rootfs.tar.gz');
    fields.importImageOptions!.retainImportedImage = true;
    fields.importImageOptions!.imageName = uniqueName('kept-import');
    const { executionId, item } = await build(kiln.clients.v3, { ...fields, buildContent: 'RUN cat /etc/from-oss' });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const [kept] = await describeImages(kiln.clients.v3, { imageName: fields.importImageOptions!.imageName });
    assert.ok(kept, 'the imported image is listed');
    assert.equal(kept.status, 'Available');
    await assertClean(kiln, executionId);
  });

  test('a missing object: FAILED with InvalidImagePipeline.OSSObjectNotFound', async () => {
    const { executionId, item } = await build(kiln.clients.v3, { ...ossBase('bases/no-such.tar.gz'), buildContent: 'RUN true' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'InvalidImagePipeline.OSSObjectNotFound');
    assert.match(item.errorInfo ?? '', /oss:\/\/kiln-images\/bases\/no-such\.tar\.gz/);
    assert.match(item.message ?? '', /^Failed during PREPARING/);
    await assertClean(kiln, executionId);
  });

  test('a disk image (QCOW2, GPT + ext4) becomes the base: its root file system is the build\'s', async () => {
    const { executionId, item } = await build(kiln.clients.v3, {
      ...ossBase('bases/rootfs.qcow2', 'QCOW2'), buildContent: 'RUN test "$(cat /etc/from-oss)" = oss-rootfs && echo "disk seen: $(cat /etc/from-oss)"',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const logs = await logsContaining(kiln.app.store, executionId, 'disk seen: oss-rootfs');
    assert.match(logs, /a QCOW2 disk image; importing it/);
    await assertClean(kiln, executionId);
  });

  test('a truncated disk image (QCOW2): FAILED with InvalidImage.DiskCorrupt; declared VHD: InvalidImage.FormatMismatch; a gzip holding no tar: OSS.ImageFormatNotSupported', async () => {
    const { executionId, item } = await build(kiln.clients.v3, { ...ossBase('bases/disk.qcow2', 'QCOW2'), buildContent: 'RUN true' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'InvalidImage.DiskCorrupt');
    assert.match(item.errorInfo ?? '', /QCOW2 disk image cannot be read/);
    await assertClean(kiln, executionId);
    const mismatch = await build(kiln.clients.v3, { ...ossBase('bases/rootfs.qcow2', 'VHD'), buildContent: 'RUN true' });
    assert.equal(mismatch.item.errorCode, 'InvalidImage.FormatMismatch', JSON.stringify(mismatch.item));
    assert.match(mismatch.item.errorInfo ?? '', /declared as a VHD disk image and is a QCOW2 disk image/);
    await assertClean(kiln, mismatch.executionId);
    const unreadable = await build(kiln.clients.v3, { ...ossBase('bases/not-a-tar.tar.gz'), buildContent: 'RUN true' });
    assert.equal(unreadable.item.errorCode, 'OSS.ImageFormatNotSupported', JSON.stringify(unreadable.item));
    assert.match(unreadable.item.errorInfo ?? '', /could not be read as a root filesystem tarball/);
    await assertClean(kiln, unreadable.executionId);
  });
});

describe('OSSDownload and OSSUpload', () => {
  test('download into the image, read it, upload files made in the instance: the bucket has them, byte for byte', async () => {
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('oss-io'),
      content: [
        'Parameters:',
        '  bucket:',
        '    Type: String',
        `    DefaultValue: ${DATA}`,
        'Tasks:',
        '  - Name: fetch',
        '    Action: OSSDownload',
        '    Properties:',
        '      bucketName: "{{ bucket }}"',
        '      objectName: inputs/hello.txt',
        '      destinationDir: /opt/data',
        '  - Name: fetchBlob',
        '    Action: OSSDownload',
        '    Properties:',
        '      bucketName: "{{ bucket }}"',
        '      objectName: inputs/blob.bin',
        '      destinationDir: /opt/data',
        '  - Name: show',
        '    Action: RunShellCommand',
        '    Properties:',
        '      commandContent: cat /opt/data/hello.txt',
        '  - Name: make',
        '    Action: RunShellCommand',
        '    Properties:',
        `      commandContent: 'mkdir -p /out && echo "made in $(hostname): {{ show.stdout }}" > /out/report.txt'`,
        '  - Name: send',
        '    Action: OSSUpload',
        '    Properties:',
        '      bucketName: "{{ bucket }}"',
        '      fileToUpload: /out/report.txt',
        '      objectName: outputs/report.txt',
        '  - Name: sendBlob',
        '    Action: OSSUpload',
        '    Properties:',
        '      bucketName: "{{ bucket }}"',
        '      fileToUpload: /opt/data/blob.bin',
        '      objectName: outputs/blob.bin',
      ].join('\n'),
    });
    const { executionId, item } = await build(kiln.clients.v3, {
      internetMaxBandwidthOut: 0,
      buildContent: `COMPONENT ${componentId}`,
      // A fresh instance from the new image: the downloaded files are in its layers.
      testContent: 'RUN cat /opt/data/hello.txt && test "$(wc -c < /opt/data/blob.bin)" -eq 300000',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const logs = await logsContaining(kiln.app.store, executionId, 'OSSUpload: /opt/data/blob.bin → oss://kiln-data/outputs/blob.bin (300000 bytes)');
    assert.match(logs, /task fetch \(line \d+\): OSSDownload oss:\/\/kiln-data\/inputs\/hello\.txt \/opt\/data/);
    assert.match(logs, /hello from the bucket/);
    const report = (await s3.get(DATA, 'outputs/report.txt'))?.toString('utf8') ?? '';
    assert.match(report, /^made in iZ[0-9a-f]+Z: hello from the bucket\n$/);
    assert.ok((await s3.get(DATA, 'outputs/blob.bin'))?.equals(blob), 'the uploaded blob has the downloaded bytes');
    await assertClean(kiln, executionId);
  });

  test('OSSDownload of a missing object: FAILED with OSSObjectNotFound naming the task and its line', async () => {
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('oss-missing'),
      content: ['Tasks:', '  - Name: fetch', '    Action: OSSDownload', '    Properties:', `      bucketName: ${DATA}`, '      objectName: inputs/absent.txt', '      destinationDir: /opt'].join('\n'),
    });
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: `RUN true\nCOMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'InvalidImagePipeline.OSSObjectNotFound');
    assert.match(item.errorInfo ?? '', /^line 2 > component .* task fetch \(line 2\): OSSDownload: oss:\/\/kiln-data\/inputs\/absent\.txt/);
    await assertClean(kiln, executionId);
  });

  test('OSSUpload of a file the instance lacks: FAILED with OSSUpload.FileNotFound and the line', async () => {
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('oss-nofile'),
      content: ['Tasks:', '  - Name: send', '    Action: OSSUpload', '    Properties:', `      bucketName: ${DATA}`, '      fileToUpload: /no/such/file', '      objectName: outputs/never'].join('\n'),
    });
    const { executionId, item } = await build(kiln.clients.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'OSSUpload.FileNotFound');
    assert.match(item.errorInfo ?? '', /^line 1 > component .* task send \(line 2\): OSSUpload: \/no\/such\/file is not a readable file/);
    assert.equal(await s3.get(DATA, 'outputs/never'), undefined);
    await assertClean(kiln, executionId);
  });
});

describe('without a configured object store', () => {
  test('BaseImageType=OSS and OSSDownload fail with OSS.NotConfigured', async () => {
    const base = await build(bare.clients.v3, { ...ossBase('bases/rootfs.tar.gz'), buildContent: 'RUN true' });
    assert.equal(base.item.status, 'FAILED', JSON.stringify(base.item));
    assert.equal(base.item.errorCode, 'OSS.NotConfigured');
    assert.match(base.item.errorInfo ?? '', /BaseImageType=OSS needs an S3-compatible object store.*KILN_OSS_ENDPOINT/);
    await assertClean(bare, base.executionId);

    const componentId = await createComponent(bare.clients.v3, {
      name: uniqueName('oss-bare'),
      content: ['Tasks:', '  - Name: fetch', '    Action: OSSDownload', '    Properties:', `      bucketName: ${DATA}`, '      objectName: inputs/hello.txt', '      destinationDir: /opt'].join('\n'),
    });
    const step = await build(bare.clients.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(step.item.status, 'FAILED', JSON.stringify(step.item));
    assert.equal(step.item.errorCode, 'OSS.NotConfigured');
    assert.match(step.item.errorInfo ?? '', /^line 1 > component .* task fetch \(line 2\): OSSDownload needs an S3-compatible object store/);
    await assertClean(bare, step.executionId);
  });
});
