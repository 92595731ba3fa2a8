import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { imageRegistryOf } from '../../src/app/image-registry.js';
import { createAccount } from '../../src/auth/accounts.js';
import { newAccountId } from '../../src/domain/ids.js';
import { exportImage } from '../../src/engine/export/export-image.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { $Ecs, REGION } from '../support/builds.js';
import { runCliOn } from '../support/child.js';
import type { EcsClient } from '../support/kiln.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';
import { BucketView, kilnStores, sha256File, taskOutcome, waitTask } from './support/kiln-export.js';
import { dir, file, vmImage } from './support/vm-image.js';

/*
 * Issue 10, part B: the image's BootMode reaches the disk. An image with a kernel (a stand-in
 * kernel in a small crafted tree: the disk is made, not booted) whose record says BootMode=BIOS:
 * ExportImage (official SDK, real s3rver) ends with Bootable=true and BootMode=BIOS, its object
 * byte for byte the engine's BIOS disk; `kiln images export` writes the image's BootMode (an
 * MBR) unless --boot-mode says otherwise (UEFI: a GPT), and a bad --boot-mode is a usage error.
 */

const run = promisify(execFile);
const EXPORTS = 'exports-boot';
const owner = newAccountId();
const grants = { [owner]: { buckets: [], roles: { AliyunECSImageExportDefaultRole: { buckets: ['exports-*'] } } } };
const oss = ossKilnFixture({ buckets: [EXPORTS], env: { KILN_OSS_ACCOUNTS: JSON.stringify(grants) }, onStart: setUp });
let client: EcsClient;
let bucket: BucketView;
let imageId: string;
let manifestDigest: string;
let work: string;

async function setUp({ s3, kiln }: RunningOss): Promise<void> {
  const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { id: owner, name: 'boot-exporter' });
  client = kiln.clientsFor(made.accessKey.id, made.accessKey.secret).v3;
  work = mkdtempSync(join(tmpdir(), 'kiln-boot-wiring-'));
  const stores = kilnStores(kiln);
  const tree = [dir('boot'), file('boot/vmlinuz-1.0', 'a stand-in kernel'), file('boot/initrd.img-1.0', 'a stand-in initrd'), dir('etc')];
  manifestDigest = await vmImage({ deps: stores, work, baseLayer: undefined as never, kernelVersion: '1.0', close: () => undefined }, [tree], { cmd: ['/bin/true'] }, true);
  const { layers } = await readImage(stores.blobs, manifestDigest);
  const scope = { accountId: owner, regionId: REGION };
  const image = await imageRegistryOf(kiln.app).registerImported({ scope, imageName: 'vm-bios', description: 'a VM image', tags: [], manifestDigest, layers, what: 'the boot export tests' });
  await kiln.app.store.images.update(scope, image.imageId, { size: 1, bootMode: 'BIOS' });
  imageId = image.imageId;
  bucket = new BucketView(s3);
}

after(() => {
  bucket?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const label = async (disk: string) => JSON.parse((await run('sfdisk', ['--json', disk])).stdout).partitiontable.label as string;

describe('the image\'s BootMode reaches the disk', () => {
  test('ExportImage: Bootable=true, BootMode=BIOS, the object the engine\'s BIOS disk byte for byte', async () => {
    const res = await client.exportImage(new $Ecs.ExportImageRequest({ regionId: REGION, imageId, OSSBucket: EXPORTS, imageFormat: 'qcow2' }));
    const { task } = await waitTask(client, res.body!.taskId!);
    assert.equal(task.taskStatus, 'Finished', JSON.stringify(task));
    const { items } = taskOutcome(task);
    assert.equal(items.Bootable, 'true');
    assert.equal(items.BootMode, 'BIOS');
    assert.match(items.Note ?? '', /boots on its own \(BIOS: an MBR with syslinux/);
    const downloaded = join(work, 'downloaded.qcow2');
    writeFileSync(downloaded, (await oss.s3.get(EXPORTS, `${imageId}_system.qcow2`))!);
    const local = join(work, 'local.qcow2');
    const stores = kilnStores(oss.kiln);
    const result = await exportImage(stores, { manifestDigest, format: 'qcow2', file: local, sizeGiB: 1, bootMode: 'BIOS' });
    assert.deepEqual([result.bootable, result.bootMode], [true, 'BIOS']);
    assert.equal(await sha256File(downloaded), await sha256File(local));
  });

  test('kiln images export: the image\'s BootMode (an MBR), --boot-mode UEFI a GPT, a bad --boot-mode a usage error', async () => {
    const config = oss.kiln.config;
    const bios = join(work, 'bios.raw');
    const first = await runCliOn(config, ['images', 'export', imageId, '--account', owner, '--region', REGION, '--format', 'raw', '-o', bios]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /boots on its own \(BIOS/);
    assert.equal(await label(bios), 'dos');
    const uefi = join(work, 'uefi.raw');
    const second = await runCliOn(config, ['images', 'export', imageId, '--account', owner, '--region', REGION, '--format', 'raw', '-o', uefi, '--boot-mode', 'UEFI']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await label(uefi), 'gpt');
    const bad = await runCliOn(config, ['images', 'export', imageId, '--account', owner, '--region', REGION, '--format', 'raw', '-o', join(work, 'x.raw'), '--boot-mode', 'EFI']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--boot-mode must be one of BIOS, UEFI, UEFI-Preferred, got 'EFI'/);
  });
});
