import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readDebianSources } from '../../src/engine/base-images/apt-sources.js';
import { debianBaseKey } from '../../src/engine/base-images/debian.js';
import { DEBIAN_VM_CMDLINE, DEBIAN_VM_PACKAGES, debianVmKey, ensureDebianVm } from '../../src/engine/base-images/debian-vm.js';
import { InitramfsUnreadableError, listInitramfs } from '../../src/engine/base-images/initramfs.js';
import { exists, mmdebstrapCalls, standInDebianFolder, standInMmdebstrap } from './helpers/stand-in-mmdebstrap.js';

/*
 * The Debian 12 VM base with a stand-in mmdebstrap (fast): what it asks mmdebstrap for, how it
 * finishes the tree, that it refuses an initramfs without the virtio drivers, and the initramfs
 * reader it checks with. The real base (mmdebstrap from the mirror) is test/engine/debian-vm-build.test.ts.
 */

const KERNEL = '6.1.0-99-cloud-amd64';
const MODULES = `usr/lib/modules/${KERNEL}/kernel/drivers`;

/** A newc cpio archive of these members (directories when no data), with its trailer. */
function newc(members: Array<{ name: string; data?: string }>): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  let ino = 1;
  for (const m of [...members, { name: 'TRAILER!!!', data: '' }]) {
    const data = Buffer.from(m.data ?? '');
    const name = Buffer.from(`${m.name}\0`);
    const fields = [ino++, m.data === undefined ? 0o40755 : 0o100644, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1');
    parts.push(header, name, pad(header.length + name.length), data, pad(data.length));
  }
  return Buffer.concat(parts);
}

/** What initramfs-tools writes: an uncompressed early archive, then the gzip-compressed main one. */
function initramfs(modules: string[]): Buffer {
  const early = newc([{ name: 'kernel' }, { name: 'kernel/x86/microcode/GenuineIntel.bin', data: 'ucode' }]);
  const main = newc([{ name: '.' }, { name: 'init', data: '#!/bin/sh\n' }, ...modules.map((m) => ({ name: `${MODULES}/${m}.ko`, data: `module ${m}` }))]);
  return Buffer.concat([early, Buffer.alloc(512 - (early.length % 512)), gzipSync(main)]);
}

describe('listInitramfs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-initramfs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, data: Buffer) => {
    await writeFile(join(dir, name), data);
    return join(dir, name);
  };

  test('lists the early archive and the gzip-compressed one, without the leading ./', async () => {
    const names = await listInitramfs(await file('ok', initramfs(['block/virtio_blk'])));
    assert.deepEqual(names, ['kernel', 'kernel/x86/microcode/GenuineIntel.bin', '.', 'init', `${MODULES}/block/virtio_blk.ko`]);
  });

  test('zstd, a cut-short member and garbage are refused with the reason', async () => {
    const zstd = Buffer.concat([newc([{ name: 'early' }]), Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])]);
    await assert.rejects(listInitramfs(await file('zstd', zstd)), (err: Error) => err instanceof InitramfsUnreadableError && /is zstd, not gzip/.test(err.message));
    const whole = newc([{ name: 'big', data: 'x'.repeat(1000) }]);
    await assert.rejects(listInitramfs(await file('cut', gzipSync(whole.subarray(0, 300)))), /cut short|without its trailer/);
    await assert.rejects(listInitramfs(await file('junk', Buffer.from('070701zzzzzzzz'.padEnd(200, 'z')))), InitramfsUnreadableError);
    await assert.rejects(listInitramfs(await file('gz-junk', Buffer.from([0x1f, 0x8b, 1, 2, 3]))), /gzip/);
  });
});

/** A stand-in mmdebstrap (see standInMmdebstrap) that writes a small tree with a kernel and an initramfs of these modules. */
async function fakeMmdebstrap(dir: string, modules: string[]): Promise<string> {
  const template = join(dir, `template-${modules.length}`);
  await mkdir(join(template, 'boot'), { recursive: true });
  await writeFile(join(template, 'boot', `vmlinuz-${KERNEL}`), 'kernel');
  await writeFile(join(template, 'boot', `initrd.img-${KERNEL}`), initramfs(modules));
  return standInMmdebstrap(dir, `mmdebstrap-${modules.length}`, `\
cp -a ${template}/. "$target/"
mkdir -p "$target/etc/apt/sources.list.d" "$target/var/lib/dbus" "$target/etc/network/interfaces.d" "$target/etc/initramfs-tools"
echo 0123456789abcdef0123456789abcdef > "$target/etc/machine-id"
ln -s /etc/machine-id "$target/var/lib/dbus/machine-id"
echo 'MODULES=most' > "$target/etc/initramfs-tools/initramfs.conf"
echo '# UNCONFIGURED FSTAB FOR BASE SYSTEM' > "$target/etc/fstab"
`);
}

describe('ensureDebianVm (with a stand-in mmdebstrap)', () => {
  const folder = standInDebianFolder('kiln-debian-vm-', 'Types: deb\nURIs: https://mirror.example/debian\nSuites: trixie trixie-updates\nComponents: main\n\nTypes: deb\nURIs: https://mirror.example/debian-security\nSuites: trixie-security\nComponents: main\n');
  const { storeAt, sourcesFiles } = folder;

  test('Debian 12 from the machine mirror with the VM packages; the tree is finished for a VM; made once, recorded', async () => {
    const layers = await storeAt('ok');
    const mmdebstrap = await fakeMmdebstrap(folder.dir, ['block/virtio_blk', 'net/virtio_net', 'virtio/virtio_pci']);
    const [first, second] = [ensureDebianVm(layers, { mmdebstrap, sourcesFiles: sourcesFiles() }), ensureDebianVm(layers, { mmdebstrap, sourcesFiles: sourcesFiles() })];
    assert.equal(first, second, 'concurrent callers share one build');
    const base = await first;
    assert.deepEqual([base.suite, base.mirror, base.kernelVersion], ['bookworm', 'https://mirror.example/debian', KERNEL]);
    assert.match(base.key, /^debian-vm-bookworm-[0-9a-f]{32}-r\d+$/);
    const machine = await readDebianSources(sourcesFiles());
    assert.equal(base.key, debianVmKey(machine));
    assert.notEqual(base.key, debianBaseKey(machine));

    // bookworm, whatever the machine runs; the VM packages, and ca-certificates for https
    const calls = await mmdebstrapCalls(folder.dir);
    assert.equal(calls.length, 1);
    assert.match(calls[0]!, new RegExp(`--variant=minbase --mode=unshare --format=directory --dpkgopt=force-unsafe-io --include=${DEBIAN_VM_PACKAGES.join(',')},ca-certificates bookworm \\S+/diff -$`));
    for (const p of ['linux-image-cloud-amd64', 'systemd-sysv', 'ifupdown', 'isc-dhcp-client', 'cloud-guest-utils', 'e2fsprogs', 'fdisk']) assert.ok(DEBIAN_VM_PACKAGES.includes(p), p);
    assert.match(await readFile(join(folder.dir, 'stdin'), 'utf8'), /Suites: bookworm bookworm-updates\n[\s\S]*Suites: bookworm-security\n/);

    const at = (p: string) => join(base.dir, p);
    assert.equal(await readFile(at('etc/kernel/cmdline'), 'utf8'), `${DEBIAN_VM_CMDLINE}\n`);
    assert.equal(DEBIAN_VM_CMDLINE, 'console=tty0 console=ttyS0,115200n8 net.ifnames=0');
    assert.match(await readFile(at('etc/fstab'), 'utf8'), /^# Kiln writes the \/ and \/boot\/efi lines by UUID.*\n(#.*\n)*LABEL=kiln-root \/ ext4 errors=remount-ro 0 1\n$/m);
    assert.doesNotMatch(await readFile(at('etc/fstab'), 'utf8'), /UNCONFIGURED/);
    assert.equal((await stat(at('etc/machine-id'))).size, 0, 'each VM makes its own machine id');
    assert.equal(await exists(at('var/lib/dbus/machine-id')), false);
    assert.match(await readFile(at('etc/network/interfaces.d/eth0'), 'utf8'), /^auto eth0\niface eth0 inet dhcp$/m);
    assert.match(await readFile(at('etc/initramfs-tools/conf.d/kiln-vm.conf'), 'utf8'), /^MODULES=most\nCOMPRESS=gzip$/m);
    assert.match(await readFile(at('etc/hosts'), 'utf8'), /^127\.0\.0\.1\tlocalhost$/m);
    // the minbase finish too
    assert.deepEqual(await readdir(at('etc/apt/sources.list.d')), ['debian.sources']);
    assert.match(await readFile(at('usr/sbin/policy-rc.d'), 'utf8'), /exit 101/);
    assert.equal(await readFile(at('etc/hostname'), 'utf8'), 'debian\n');

    assert.deepEqual(await readdir(layers.baseImagesDir), [`${base.key}.json`]);
    const again = await ensureDebianVm(await storeAt('ok'), { mmdebstrap, sourcesFiles: sourcesFiles() });
    assert.deepEqual([again.digest, again.kernelVersion, again.dir], [base.digest, KERNEL, base.dir]);
    assert.equal((await mmdebstrapCalls(folder.dir)).length, 1, 'mmdebstrap ran once');
    assert.deepEqual(await readdir(join(layers.root, 'tmp')), []);
  });

  test('an initramfs without virtio_blk fails the build: no layer, no record, no staging folder', async () => {
    const layers = await storeAt('no-virtio');
    const mmdebstrap = await fakeMmdebstrap(folder.dir, ['net/virtio_net', 'virtio/virtio_pci']);
    await assert.rejects(ensureDebianVm(layers, { mmdebstrap, sourcesFiles: sourcesFiles() }), new RegExp(`the initramfs of the Debian 12 VM base \\(kernel ${KERNEL}\\) lacks virtio_blk$`));
    assert.deepEqual(await readdir(join(layers.root, 'tmp')), []);
    assert.deepEqual((await readdir(layers.root)).filter((n) => /^[0-9a-f]{64}$/.test(n)), [], 'no layer');
    assert.equal(await exists(layers.baseImagesDir), false, 'no record');
  });
});
