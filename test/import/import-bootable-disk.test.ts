import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { findKernel } from '../../src/engine/export/boot/kernel.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { checkBoot } from '../../src/engine/vm/check-boot.js';
import { $Ecs, describeImages, isTerminal, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { createPipeline } from '../support/ecs-requests.js';
import { REGION } from '../support/kiln.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';
import { ensureDebianCloudDisk, type CloudDisk } from './support/debian-cloud-disk.js';
import { IMAGES_BUCKET, importRequest } from './support/import-fixture.js';

/*
 * ImportImage of a bootable disk made by another vendor's pipeline: a Debian 12 cloud-style
 * QCOW2 built with Debian's own tools (mmdebstrap, mkfs.ext4 -d, GRUB in the MBR, an ESP on
 * /boot/efi, fstab by UUID: support/debian-cloud-disk.sh), never with Kiln. Through the official
 * SDK over HTTP against s3rver: the import is an Available VM image (its kernel, initramfs and
 * GRUB kept, BootMode BIOS by default, the Platform asked for); a template builds on it (a file,
 * a package installed by apt from the machine's mirror, a CMD); ExportImage writes it as a
 * bootable disk (Kiln's own boot partition and loader, the vendor's fstab lines rewritten to
 * Kiln's file systems), and the disk boots in QEMU to the KILN-BOOT-REPORT, the CMD's output on
 * the console. One boot in this file (~40-90 s under TCG).
 */

const oss = ossKilnFixture({ buckets: [IMAGES_BUCKET], onStart: putVendorDisk });
const OBJECT = 'vendor/debian-12-genericcloud.qcow2';
/** Generous waits on conditions (the import reads a 2 GiB disk; the build runs apt), not timing assertions. */
const TASK_WAIT_MS = 10 * 60_000;
const BOOT_TIMEOUT_MS = 6 * 60_000;
let disk: CloudDisk;
let work: string;

async function putVendorDisk({ s3 }: RunningOss): Promise<void> {
  disk = await ensureDebianCloudDisk();
  work = mkdtempSync(join(tmpdir(), 'kiln-import-bootable-'));
  await s3.put(IMAGES_BUCKET, OBJECT, readFileSync(disk.file));
}

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Polls DescribeTaskAttribute until the task has ended (a condition, with a generous bound). */
async function taskEnd(taskId: string): Promise<$Ecs.DescribeTaskAttributeResponseBody> {
  const deadline = Date.now() + TASK_WAIT_MS;
  for (;;) {
    const { body } = await oss.v3.describeTaskAttribute(new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId }));
    if (body && ['Finished', 'Failed', 'Deleted'].includes(body.taskStatus ?? '')) return body;
    if (Date.now() > deadline) throw new Error(`task ${taskId} did not end: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let imported: Promise<string> | undefined;
/** The vendor disk imported once for the file (ImportImage V3, no BootMode: ECS's default BIOS); its ImageId. */
function importedImage(): Promise<string> {
  imported ??= (async () => {
    const { body } = await oss.v3.importImage(importRequest({ object: OBJECT, format: 'QCOW2' }, {
      imageName: uniqueName('debian-12-vendor'), platform: 'Debian', OSType: 'linux', architecture: 'x86_64',
    }));
    const end = await taskEnd(body!.taskId!);
    assert.equal(end.taskStatus, 'Finished', JSON.stringify(end));
    return body!.imageId!;
  })();
  return imported;
}

/** The one layer of an image's manifest, extracted. */
async function layerDir(manifestDigest: string): Promise<string> {
  const blobs = new LocalBlobStore(join(oss.kiln.config.dataDir, 'blobs'));
  const layers = new LayerStore(oss.kiln.config.dataDir, blobs);
  const { layers: [layer, ...more] } = await readImage(blobs, manifestDigest);
  assert.equal(more.length, 0, 'an imported disk is one layer');
  return (await layers.ensure(layer!.digest)).dir;
}

describe('ImportImage of a bootable Debian 12 cloud disk made by Debian\'s tools', () => {
  test('the image is Available as a VM image: BootMode BIOS (the default), Platform Debian, its kernel, initramfs, GRUB and fstab kept as the vendor wrote them', async () => {
    const imageId = await importedImage();
    const [image] = await describeImages(oss.v3, { imageId });
    assert.deepEqual([image?.status, image?.bootMode, image?.platform, image?.OSType, image?.architecture], ['Available', 'BIOS', 'Debian', 'linux', 'x86_64']);
    assert.ok((image?.size ?? 0) >= 1, `a Size in GiB: ${image?.size}`);
    const stored = await oss.kiln.app.store.images.getOwned({ accountId: oss.kiln.credentials.accountId, regionId: REGION }, imageId);
    const dir = await layerDir(stored!.manifestDigest!);
    const kernel = await findKernel(dir);
    assert.match(kernel?.version ?? '', /^\d+\.\d+\.\d+-\d+-cloud-amd64$/, 'the vendor\'s kernel and initramfs make it a VM image');
    assert.ok(kernel!.initrdBytes > 1024 * 1024, 'its initramfs');
    assert.match(readFileSync(join(dir, 'boot/grub/grub.cfg'), 'utf8'), new RegExp(`root=UUID=${disk.rootUuid}`), 'the vendor\'s GRUB config');
    const fstab = readFileSync(join(dir, 'etc/fstab'), 'utf8');
    assert.match(fstab, new RegExp(`^UUID=${disk.rootUuid} / ext4`, 'm'));
    assert.match(fstab, new RegExp(`^UUID=${disk.espVolumeId} /boot/efi vfat`, 'm'), 'the ESP line: its FAT partition itself is not imported');
    assert.ok(statSync(join(dir, 'boot/efi')).isDirectory(), 'the ESP\'s mount point, empty');
  });

  test('builds further (RUN: a file, apt-get install from the mirror; CMD), exports with ExportImage as a bootable disk, and boots to the KILN-BOOT-REPORT with the CMD\'s output', async () => {
    const imageId = await importedImage();
    const ESP_ID = disk.espVolumeId;
    const pipelineId = await createPipeline(oss.v3, {
      name: uniqueName('on-vendor'), baseImage: imageId, imageName: uniqueName('vendor-built'), systemDiskSize: 20, internetMaxBandwidthOut: 10,
      buildContent: [
        'RUN echo built-on-the-vendor-image > /etc/kiln-import-marker',
        'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends hello && rm -rf /var/lib/apt/lists/*',
        // The ESP line: the vendor's (its UUID) must be gone, Kiln's mounts its boot partition (nofail: waited for).
        `CMD ["/bin/sh", "-c", "for i in $(seq 1 30); do mountpoint -q /boot/efi && break; sleep 1; done; echo KILN-IMPORT-CMD $(cat /etc/kiln-import-marker) $(hello) esp=$(mountpoint -q /boot/efi && echo mounted || echo absent) vendor-lines=$(grep -c ${ESP_ID} /etc/fstab)"]`,
      ].join('\n'),
    });
    const built = await waitForExecution(oss.v3, await startExecution(oss.v3, pipelineId), isTerminal, 'the build', TASK_WAIT_MS);
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
    const [out] = await describeImages(oss.v3, { imageId: built.item.imageId! });
    assert.equal(out?.bootMode, 'BIOS', 'the build keeps its base\'s BootMode');

    const { body } = await oss.v3.exportImage(new $Ecs.ExportImageRequest({ regionId: REGION, imageId: out!.imageId!, OSSBucket: IMAGES_BUCKET, OSSPrefix: 'booted', imageFormat: 'qcow2' }));
    const end = await taskEnd(body!.taskId!);
    assert.equal(end.taskStatus, 'Finished', JSON.stringify(end));
    const file = join(work, 'exported.qcow2');
    writeFileSync(file, (await oss.s3.get(IMAGES_BUCKET, `booted_${out!.imageId!}_system.qcow2`))!);

    let console = '';
    const outcome = await checkBoot({ disk: file, format: 'qcow2', bootMode: 'BIOS', accel: 'tcg', timeoutMs: BOOT_TIMEOUT_MS, onConsole: (text) => { console += text; } });
    assert.ok(outcome.ok, `${outcome.kind} after ${outcome.seconds} s: ${outcome.problems.join('; ')}\n${outcome.lastLines.join('\n')}`);
    assert.equal(outcome.report?.target, 'multi-user.target');
    assert.ok(outcome.report?.ipv4, 'the vendor\'s systemd-networkd got an address by DHCP');
    assert.equal(outcome.report?.cmd, 'active');
    assert.match(console, /KILN-IMPORT-CMD built-on-the-vendor-image Hello, world! esp=mounted vendor-lines=0/, 'the RUN steps\' file and package, and the rewritten fstab, printed by the CMD service');
  });
});
