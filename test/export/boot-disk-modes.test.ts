import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exportImage } from '../../src/engine/export/export-image.js';
import { derivedUuid } from '../../src/engine/export/fixed-ids.js';
import { firstBytes, onBootPartition, ROOT_OFFSET } from './support/read-boot-disk.js';
import { dir, file, vmData, vmImage, type VmData } from './support/vm-image.js';

/*
 * Issue 10, part B: the BIOS layout (an MBR: p1 FAT32 LBA and active with syslinux, mbr.bin, p2
 * Linux) and the UEFI one (a GPT: ESP with systemd-boot only, no BIOS boot code), each clean
 * (fsck.fat, e2fsck) and naming its root by UUID; and determinism: the same image exported twice
 * in UEFI-Preferred, raw and qcow2, gives the same bytes, its layers extracted anew in between.
 */

const run = promisify(execFile);
let data: VmData;
let manifestDigest: string;

before(async () => {
  data = await vmData();
  manifestDigest = await vmImage(data, [[dir('srv'), file('srv/app.txt', 'app\n')]], { cmd: ['/bin/true'] });
});
after(() => data?.close());

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
const table = async (disk: string) => JSON.parse((await run('sfdisk', ['--json', disk])).stdout).partitiontable;
const fatList = async (disk: string) => (await onBootPartition(disk, 'mdir', '-/', '-a', '::/')).toString('utf8');
const fatCat = async (disk: string, path: string) => (await onBootPartition(disk, 'mtype', `::${path}`)).toString('utf8');

async function checkClean(disk: string): Promise<void> {
  const part = `${disk}.fat`;
  await run('dd', [`if=${disk}`, `of=${part}`, 'bs=1M', 'skip=1', 'count=256', 'conv=sparse', 'status=none']);
  assert.doesNotMatch((await run('fsck.fat', ['-n', part])).stdout, /differences|error|fix/i);
  assert.match((await run('e2fsck', ['-fn', `${disk}?offset=${ROOT_OFFSET}`])).stdout, /kiln-root: \d+\/\d+ files/);
}

describe('bootable disk layouts', () => {
  test('BIOS: an MBR, p1 FAT32 (LBA) active with syslinux, p2 Linux; mbr.bin boots the active partition', async () => {
    const disk = join(data.work, 'bios.raw');
    const result = await exportImage(data.deps, { manifestDigest, format: 'raw', file: disk, sizeGiB: 2, bootMode: 'BIOS' });
    assert.deepEqual([result.bootable, result.bootMode], [true, 'BIOS']);
    const t = await table(disk);
    assert.equal(t.label, 'dos');
    assert.equal(t.id, `0x${derivedUuid(manifestDigest, 'mbr disk id').slice(0, 8)}`);
    const [p1, p2] = t.partitions;
    assert.deepEqual([p1.start, p1.size, p1.type, p1.bootable], [2048, 256 * 2048, 'c', true]);
    assert.deepEqual([p2.start, p2.type, p2.bootable, (p2.start + p2.size) * 512], [257 * 2048, '83', undefined, 2 * 1024 ** 3]);
    assert.deepEqual(firstBytes(disk, 440), readFileSync('/usr/lib/SYSLINUX/mbr.bin'));
    const listing = await fatList(disk);
    assert.match(listing, /ldlinux {2}sys/);
    assert.match(listing, /syslinux cfg/);
    assert.doesNotMatch(listing, /EFI|loader/, 'no UEFI loader on a BIOS disk');
    assert.match(await fatCat(disk, '/syslinux/syslinux.cfg'), new RegExp(`APPEND root=UUID=${derivedUuid(manifestDigest, 'ext4 uuid')} ro console=tty0 console=ttyS0,115200n8 net.ifnames=0\n`));
    await checkClean(disk);
  });

  test('UEFI: a GPT, ESP with systemd-boot and no BIOS boot code, no LegacyBIOSBootable, no syslinux', async () => {
    const disk = join(data.work, 'uefi.raw');
    const result = await exportImage(data.deps, { manifestDigest, format: 'raw', file: disk, sizeGiB: 2, bootMode: 'UEFI' });
    assert.deepEqual([result.bootable, result.bootMode], [true, 'UEFI']);
    const t = await table(disk);
    assert.equal(t.label, 'gpt');
    assert.deepEqual(t.partitions.map((p: { type: string; attrs?: string }) => [p.type, p.attrs]), [['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', undefined], ['4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', undefined]]);
    assert.deepEqual(firstBytes(disk, 440), Buffer.alloc(440), 'no boot code in the protective MBR');
    const listing = await fatList(disk);
    assert.match(listing, /BOOTX64 {2}EFI/);
    assert.match(listing, /kiln\.conf/);
    assert.doesNotMatch(listing, /syslinux|ldlinux/);
    assert.match(await fatCat(disk, '/loader/entries/kiln.conf'), new RegExp(`^options root=UUID=${derivedUuid(manifestDigest, 'ext4 uuid')} ro `, 'm'));
    await checkClean(disk);
  });

  test('deterministic: UEFI-Preferred raw and qcow2 twice give the same bytes, the layers extracted anew in between', async () => {
    const first = join(data.work, 'first');
    const second = join(data.work, 'second');
    mkdirSync(first);
    mkdirSync(second);
    for (const format of ['raw', 'qcow2'] as const) await exportImage(data.deps, { manifestDigest, format, file: join(first, `disk.${format}`), sizeGiB: 2 });
    for (const layer of [data.baseLayer.diffId]) await data.deps.layers.remove(layer);
    await sleep(2100); // past FAT's 2-second clock: a leaked clock would show
    for (const format of ['raw', 'qcow2'] as const) {
      const result = await exportImage(data.deps, { manifestDigest, format, file: join(second, `disk.${format}`), sizeGiB: 2 });
      assert.equal(result.bootMode, 'UEFI-Preferred', 'the default layout');
      assert.equal(await sha256(join(second, `disk.${format}`)), await sha256(join(first, `disk.${format}`)), `${format}: the two exports differ`);
    }
    assert.deepEqual(readdirSync(join(data.work, 'data', 'layers', 'tmp')), []);
  });
});
