import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { isKilnError } from '../../src/domain/errors.js';
import { writeBootDisk } from '../../src/engine/export/boot/boot-disk.js';
import { findKernel } from '../../src/engine/export/boot/kernel.js';
import { exportImage } from '../../src/engine/export/export-image.js';
import type { StoredImage } from '../../src/engine/export/image-blobs.js';
import type { TarWriteEntry } from '../../src/engine/layers/tar/tar-writer.js';
import { dir, file, link, vmImage, type VmData } from './support/vm-image.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';

/*
 * Issue 10, part B: the tree of an image is hostile, and making it bootable must not touch the
 * host through it: an /etc/fstab that is a symlink to the host's /etc/shadow is replaced, not
 * followed; a kernel that is a symlink out of the tree is not a kernel; /etc or a guest file's
 * folder symlinked to a host folder refuses the export (ExportImageFailed), writing nothing
 * there; an initrd too large for the boot partition is refused before anything is copied.
 * Small crafted trees with a stand-in kernel (the disk is made, not booted).
 */

const run = promisify(execFile);
let data: VmData;
let hostDir: string;
const ROOT_OFFSET = 257 * 1024 * 1024;

before(() => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-boot-hostile-'));
  const blobs = new LocalBlobStore(join(work, 'data', 'blobs'));
  data = { deps: { blobs, layers: new LayerStore(join(work, 'data'), blobs) }, work, baseLayer: undefined as never, kernelVersion: '1.0', close: () => rmSync(work, { recursive: true, force: true }) };
  hostDir = join(work, 'host');
  mkdirSync(hostDir);
});
after(() => data.close());

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** A tree with a stand-in kernel 1.0 and the given members. */
const kernelTree = (more: TarWriteEntry[]): TarWriteEntry[] => [dir('boot'), file('boot/vmlinuz-1.0', 'kernel'), file('boot/initrd.img-1.0', 'initrd'), dir('etc'), ...more];
const debugfsCat = async (disk: string, path: string) => (await run('debugfs', ['-R', `cat ${path}`, `${disk}?offset=${ROOT_OFFSET}`])).stdout;

async function exported(layers: TarWriteEntry[][], extra: { guestFiles?: { path: string; content: string; mode: number }[]; enableUnits?: string[] } = {}) {
  const manifestDigest = await vmImage(data, layers, {}, true);
  const out = join(data.work, `disk-${Math.random().toString(16).slice(2)}.raw`);
  const result = await exportImage(data.deps, { manifestDigest, format: 'raw', file: out, sizeGiB: 1, bootMode: 'UEFI', ...extra });
  return { out, result };
}

async function refused(layers: TarWriteEntry[][], extra: Parameters<typeof exported>[1], message: RegExp) {
  const before = readdirSync(data.work);
  await assert.rejects(exported(layers, extra), (err: unknown) => isKilnError(err) && err.code === 'ExportImageFailed' && message.test(err.message));
  assert.deepEqual(readdirSync(data.work), before, 'nothing is left beside the disk');
  assert.deepEqual(readdirSync(join(data.work, 'data', 'layers', 'tmp')), [], 'no staging folder is left');
}

describe('bootable export of a hostile tree', () => {
  test('/etc/fstab a symlink to the host\'s /etc/shadow: replaced by a file of its own, the host file untouched', async () => {
    const shadow = { sha: sha('/etc/shadow'), mtime: statSync('/etc/shadow').mtimeMs };
    const { out, result } = await exported([kernelTree([link('etc/fstab', '/etc/shadow'), dir('etc/kernel'), link('etc/kernel/cmdline', '/proc/cmdline')])]);
    assert.equal(result.bootable, true);
    assert.deepEqual({ sha: sha('/etc/shadow'), mtime: statSync('/etc/shadow').mtimeMs }, shadow);
    const fstab = await debugfsCat(out, '/etc/fstab');
    assert.match(fstab, /^UUID=[0-9a-f-]{36} \/ ext4 /m);
    assert.doesNotMatch(fstab, /root:/, 'nothing of the host\'s shadow');
    const entry = (await run('mtype', ['-i', `${out}@@1048576`, '::/loader/entries/kiln.conf'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } })).stdout;
    assert.match(entry, /^options root=UUID=[0-9a-f-]{36} ro console=tty0 console=ttyS0,115200n8$/m, 'a symlinked /etc/kernel/cmdline (to the host\'s) is not read: the default console options');
  });

  test('a kernel that is a symlink out of the tree is no kernel: the newest real one is taken, and with none the disk is a plain one', async () => {
    const withReal = await exported([kernelTree([link('boot/vmlinuz-9.0', '/etc/passwd'), file('boot/initrd.img-9.0', 'x')])]);
    assert.equal(withReal.result.bootable, true);
    assert.match(withReal.result.note, /Linux 1\.0/);
    const none = await exported([[dir('boot'), link('boot/vmlinuz-2.0', '/etc/passwd'), link('boot/initrd.img-2.0', '/etc/passwd'), dir('etc')]]);
    assert.equal(none.result.bootable, false);
    assert.match(none.result.note, /no bootloader/);
    const linkedBoot = await exported([[link('boot', '/boot'), dir('etc')]]);
    assert.equal(linkedBoot.result.bootable, false, 'a /boot symlinked to the host\'s is not looked into');
  });

  test('/etc, /etc/kernel or /boot/efi a symlink to a host folder: refused, nothing written there', async () => {
    await refused([[dir('boot'), file('boot/vmlinuz-1.0', 'k'), file('boot/initrd.img-1.0', 'i'), link('etc', hostDir)]], {}, /\/etc in the image is a symlink/);
    await refused([kernelTree([link('etc/kernel', hostDir)])], {}, /\/etc\/kernel in the image is a symlink/);
    await refused([kernelTree([link('boot/efi', hostDir)])], {}, /\/boot\/efi in the image is a symlink/);
    assert.deepEqual(readdirSync(hostDir), []);
  });

  test('guest files: a path with .. or not absolute, or under a symlinked folder, is refused; the host folder stays empty', async () => {
    const tree = [kernelTree([dir('opt'), link('opt/agent', hostDir)])];
    await refused(tree, { guestFiles: [{ path: '/opt/../etc/x', content: 'x', mode: 0o644 }] }, /\.\. segment/);
    await refused(tree, { guestFiles: [{ path: 'etc/x', content: 'x', mode: 0o644 }] }, /not absolute/);
    await refused(tree, { guestFiles: [{ path: '/opt/agent/kiln-agent', content: 'x', mode: 0o755 }] }, /\/opt\/agent in the image is a symlink/);
    await refused(tree, { guestFiles: [{ path: '/etc/x', content: 'x', mode: 0o100644 }] }, /not permission bits/);
    assert.deepEqual(readdirSync(hostDir), []);
  });

  test('enableUnits: a unit that is nowhere, or a name with a path, is refused; a guest file\'s unit is enabled', async () => {
    await refused([kernelTree([])], { enableUnits: ['missing.service'] }, /missing\.service to enable/);
    await refused([kernelTree([])], { enableUnits: ['../../x.service'] }, /not a unit name/);
    const unit = '[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n';
    const { out } = await exported([kernelTree([])], { guestFiles: [{ path: '/etc/systemd/system/kiln-agent.service', content: unit, mode: 0o644 }], enableUnits: ['kiln-agent.service'] });
    const wants = (await run('debugfs', ['-R', 'stat /etc/systemd/system/multi-user.target.wants/kiln-agent.service', `${out}?offset=${ROOT_OFFSET}`])).stdout;
    assert.match(wants, /Fast link dest: "\/etc\/systemd\/system\/kiln-agent\.service"/);
    assert.equal(await debugfsCat(out, '/etc/systemd/system/kiln-agent.service'), unit);
  });

  test('an initrd too large for the 256 MiB boot partition is refused before anything is copied', async () => {
    const tree = join(data.work, 'huge-tree');
    mkdirSync(join(tree, 'boot'), { recursive: true });
    writeFileSync(join(tree, 'boot', 'vmlinuz-1.0'), 'kernel');
    writeFileSync(join(tree, 'boot', 'initrd.img-1.0'), '');
    truncateSync(join(tree, 'boot', 'initrd.img-1.0'), 300 * 1024 * 1024); // sparse: costs nothing
    const kernel = await findKernel(tree);
    assert.equal(kernel?.initrdBytes, 300 * 1024 * 1024);
    const disk = join(data.work, 'huge.raw');
    writeFileSync(disk, '');
    const spec = { treeDir: tree, treeBytes: 0, sizeGiB: 1, seed: 'sha256:00', time: 0, kernel: kernel!, image: { configJson: {} } as StoredImage, scratch: data.work, bootMode: 'UEFI' as const, guestFiles: [], enableUnits: [] };
    await assert.rejects(writeBootDisk(disk, spec), /more than the \d+ the 256 MiB boot partition holds/);
    assert.equal(statSync(disk).size, 0, 'the disk was not even sized');
    assert.equal(existsSync(join(tree, 'etc')), false, 'the tree was not edited');
  });
});
