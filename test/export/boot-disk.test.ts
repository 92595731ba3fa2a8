import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { POLICY_RC_D } from '../../src/engine/base-images/debian-tree.js';
import { exportImage, type ExportResult } from '../../src/engine/export/export-image.js';
import { derivedUuid } from '../../src/engine/export/fixed-ids.js';
import { firstBytes, MiB, onBootPartition, ROOT_OFFSET } from './support/read-boot-disk.js';
import { dir, file, vmData, vmImage, type VmData } from './support/vm-image.js';

/*
 * Issue 10, part B: an image with a kernel (the Debian 12 VM base plus a layer) exported as a raw
 * disk in the UEFI-Preferred layout, read with the tools a user has and no mount: the GPT
 * (sfdisk --json: ESP with LegacyBIOSBootable, x86-64 root), gptmbr.bin in the MBR, the FAT
 * partition's files (mdir/mtype) and fsck.fat, the root's e2fsck, the UUIDs of fstab and of the
 * boot loaders' configs matching the filesystems' (blkid -p), the units and their files, the
 * image's policy-rc.d gone, and the image itself unchanged.
 */

const run = promisify(execFile);
let data: VmData;
let disk: string;
let result: ExportResult;
let manifestDigest: string;

const CMDLINE = 'root=/dev/sda1 rw quiet console=ttyS0,115200n8 net.ifnames=0\n';
const FSTAB = 'LABEL=kiln-root / ext4 errors=remount-ro 0 1\ntmpfs /scratch tmpfs defaults 0 0\n/dev/sdz9 /boot/efi vfat defaults 0 1\n';

before(async () => {
  data = await vmData();
  manifestDigest = await vmImage(data, [[dir('etc'), file('etc/fstab', FSTAB), dir('etc/kernel'), file('etc/kernel/cmdline', CMDLINE), dir('srv'), file('srv/hello.txt', 'hello\n')]], {
    entrypoint: ['/bin/sh', '-c'], cmd: ['echo "$GREETING" > /srv/said'], env: [['PATH', '/usr/bin:/bin'], ['GREETING', 'it costs 100% of $5']], workingDir: '/srv', user: 'nobody:nogroup',
  });
  disk = join(data.work, 'disk.raw');
  result = await exportImage(data.deps, { manifestDigest, format: 'raw', file: disk, sizeGiB: 3, bootMode: 'UEFI-Preferred' });
});
after(() => data?.close());

const fat = async (command: string, ...args: string[]) => (await onBootPartition(disk, command, ...args)).toString('utf8');
const fatBytes = (path: string) => onBootPartition(disk, 'mtype', `::${path}`);
const rootCat = async (path: string) => (await run('debugfs', ['-R', `cat ${path}`, `${disk}?offset=${ROOT_OFFSET}`], { maxBuffer: 64 * MiB })).stdout;
const rootStat = async (path: string) => {
  const out = await run('debugfs', ['-R', `stat ${path}`, `${disk}?offset=${ROOT_OFFSET}`]);
  return `${out.stdout}${out.stderr}`;
};
const blkid = async (offset: number) => Object.fromEntries([...(await run('blkid', ['-p', '-O', String(offset), '-o', 'export', disk])).stdout.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('bootable disk, UEFI-Preferred', () => {
  test('the result says it boots; the disk is the image\'s size and sparse', () => {
    assert.equal(result.bootable, true);
    assert.equal(result.bootMode, 'UEFI-Preferred');
    assert.match(result.note, new RegExp(`Linux ${data.kernelVersion.replace(/\./g, '\\.')}`));
    assert.equal(result.diskBytes, 3 * 1024 ** 3);
    const st = statSync(disk);
    assert.equal(st.size, 3 * 1024 ** 3);
    assert.ok(st.blocks * 512 < st.size / 2, `sparse: ${st.blocks * 512} bytes allocated`);
  });

  test('GPT: p1 the EFI system partition (256 MiB from 1 MiB, LegacyBIOSBootable), p2 the x86-64 root to the end; gptmbr.bin boots it by BIOS', async () => {
    const table = JSON.parse((await run('sfdisk', ['--json', disk])).stdout).partitiontable;
    assert.equal(table.label, 'gpt');
    assert.equal(table.id, derivedUuid(manifestDigest, 'gpt label').toUpperCase());
    const [p1, p2] = table.partitions;
    assert.deepEqual([p1.start, p1.size, p1.type, p1.attrs], [2048, 256 * 2048, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'LegacyBIOSBootable']);
    assert.deepEqual([p2.start, p2.type, p2.uuid], [257 * 2048, '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', derivedUuid(manifestDigest, 'gpt root partition').toUpperCase()]);
    assert.equal((p2.start + p2.size) * 512, 3 * 1024 ** 3 - MiB, 'the root ends at the last whole MiB');
    assert.deepEqual(firstBytes(disk, 440), readFileSync('/usr/lib/SYSLINUX/gptmbr.bin'));
  });

  test('the FAT partition holds systemd-boot, syslinux, the kernel and the initrd; fsck.fat finds it clean', async () => {
    const listing = await fat('mdir', '-/', '-a', '::/');
    for (const name of ['BOOTX64  EFI', 'systemd-bootx64.efi', 'loader.conf', 'kiln.conf', 'ldlinux  sys', 'ldlinux  c32', 'syslinux cfg', `vmlinuz-${data.kernelVersion}`, `initrd.img-${data.kernelVersion}`]) {
      assert.ok(listing.includes(name), `${name} in\n${listing}`);
    }
    const efi = readFileSync('/usr/lib/systemd/boot/efi/systemd-bootx64.efi');
    assert.deepEqual(await fatBytes('/EFI/BOOT/BOOTX64.EFI'), efi);
    assert.deepEqual(await fatBytes('/EFI/systemd/systemd-bootx64.efi'), efi);
    const base = data.deps.layers.dirOf(data.baseLayer.diffId);
    for (const name of [`vmlinuz-${data.kernelVersion}`, `initrd.img-${data.kernelVersion}`]) {
      assert.equal(sha(await fatBytes(`/${name}`)), sha(readFileSync(join(base, 'boot', name))), `${name} is the image's`);
    }
    assert.equal((await fatBytes('/loader/loader.conf')).toString(), '# Kiln: boot the image\'s kernel at once.\ndefault kiln.conf\ntimeout 0\neditor no\n');
    const part = join(data.work, 'fat.img');
    await run('dd', [`if=${disk}`, `of=${part}`, 'bs=1M', 'skip=1', 'count=256', 'conv=sparse', 'status=none']);
    const fsck = await run('fsck.fat', ['-n', part]);
    assert.doesNotMatch(fsck.stdout, /differences|error|fix/i, fsck.stdout);
  });

  test('the filesystems\' UUIDs and labels are those fstab and both boot loaders name', async () => {
    const boot = await blkid(MiB);
    const root = await blkid(ROOT_OFFSET);
    assert.deepEqual([boot.TYPE, boot.LABEL, boot.VERSION], ['vfat', 'KILN-BOOT', 'FAT32']);
    assert.deepEqual([root.TYPE, root.LABEL, root.UUID], ['ext4', 'kiln-root', derivedUuid(manifestDigest, 'ext4 uuid')]);
    assert.equal(await rootCat('/etc/fstab'), `UUID=${root.UUID} / ext4 defaults,errors=remount-ro 0 1\ntmpfs /scratch tmpfs defaults 0 0\nUUID=${boot.UUID} /boot/efi vfat umask=0077,nofail 0 2\n`);
    const cmdline = `root=UUID=${root.UUID} ro quiet console=ttyS0,115200n8 net.ifnames=0`;
    const entry = (await fatBytes('/loader/entries/kiln.conf')).toString();
    assert.match(entry, new RegExp(`^options ${cmdline}$`, 'm'));
    assert.match(entry, new RegExp(`^linux /vmlinuz-${data.kernelVersion}$`, 'm'));
    assert.match(entry, new RegExp(`^initrd /initrd.img-${data.kernelVersion}$`, 'm'));
    const syslinux = (await fatBytes('/syslinux/syslinux.cfg')).toString();
    assert.match(syslinux, new RegExp(`^  APPEND ${cmdline}$`, 'm'));
    assert.match(syslinux, /^TIMEOUT 0$/m);
  });

  test('e2fsck finds the root clean; /boot/efi is there to mount on', async () => {
    const { stdout } = await run('e2fsck', ['-fn', `${disk}?offset=${ROOT_OFFSET}`]);
    assert.match(stdout, /kiln-root: \d+\/\d+ files/);
    assert.match(await rootStat('/boot/efi'), /Type: directory/);
  });

  test('the units: kiln-growroot, kiln-boot-report and kiln-cmd (from the config) written and enabled, the kernel hook linked; Kiln\'s policy-rc.d removed', async () => {
    for (const unit of ['kiln-growroot.service', 'kiln-boot-report.service', 'kiln-cmd.service']) {
      assert.match(await rootStat(`/etc/systemd/system/multi-user.target.wants/${unit}`), new RegExp(`Fast link dest: "/etc/systemd/system/${unit}"`));
    }
    const here = (name: string) => readFileSync(new URL(`../../src/engine/export/boot/guest/${name}.sh`, import.meta.url), 'utf8');
    assert.equal(await rootCat('/usr/lib/kiln/growroot'), here('growroot'));
    assert.equal(await rootCat('/usr/lib/kiln/boot-report'), here('boot-report'));
    assert.match(await rootStat('/usr/lib/kiln/growroot'), /Mode:\s+0755/);
    assert.equal(await rootCat('/usr/lib/kiln/kernel-hook'), here('kernel-hook'));
    for (const at of ['/etc/kernel/postinst.d', '/etc/kernel/postrm.d', '/etc/initramfs/post-update.d']) {
      assert.match(await rootStat(`${at}/zz-kiln-boot`), /Fast link dest: "\/usr\/lib\/kiln\/kernel-hook"/);
    }
    const cmd = await rootCat('/etc/systemd/system/kiln-cmd.service');
    assert.match(cmd, /^ExecStart="\/bin\/sh" "-c" "echo \\"\$\$GREETING\\" > \/srv\/said"$/m);
    assert.match(cmd, /^Environment="GREETING=it costs 100%% of \$5"$/m);
    assert.match(cmd, /^WorkingDirectory=-\/srv$/m);
    assert.match(cmd, /^User=nobody\nGroup=nogroup$/m);
    assert.match(cmd, /^StandardOutput=journal\+console$/m);
    assert.match(await rootStat('/usr/sbin/policy-rc.d'), /File not found/);
  });

  test('the image is unchanged: its layers still hold their own fstab and policy-rc.d', async () => {
    const base = data.deps.layers.dirOf(data.baseLayer.diffId);
    assert.equal(readFileSync(join(base, 'usr/sbin/policy-rc.d'), 'utf8'), POLICY_RC_D);
    assert.match(readFileSync(join(base, 'etc/fstab'), 'utf8'), /^LABEL=kiln-root \/ ext4/m);
  });
});
