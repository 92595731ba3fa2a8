import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/*
 * Issue 10, part B: the guest scripts of a bootable export (src/engine/export/boot/guest/), run
 * by dash as Debian runs them, against stand-in commands (growpart, resize2fs, findmnt,
 * mountpoint, ip, stat, systemctl, sleep: shell scripts that answer as the real ones do and log
 * their arguments) and a stand-in /sys: every outcome of kiln-growroot, and the exact
 * KILN-BOOT-REPORT line (with an address and without, after its wait).
 */

const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`../../src/engine/export/boot/guest/${name}.sh`, import.meta.url));
let work: string;
let n = 0;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'kiln-guest-scripts-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A world for one run: a bin folder with only the host tools the scripts may use and the given stand-ins, a /sys with vda2 (254:2) on vda, a /run. */
function world(stubs: Record<string, string>) {
  const root = join(work, `w${n++}`);
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['mkdir', 'cat', 'readlink']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >>${join(root, 'calls')}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const sys = join(root, 'sys');
  mkdirSync(join(sys, 'devices/pci/virtio1/block/vda/vda2'), { recursive: true });
  writeFileSync(join(sys, 'devices/pci/virtio1/block/vda/size'), '41943040\n');
  writeFileSync(join(sys, 'devices/pci/virtio1/block/vda/vda2/partition'), '2\n');
  mkdirSync(join(sys, 'dev/block'), { recursive: true });
  symlinkSync('../../devices/pci/virtio1/block/vda/vda2', join(sys, 'dev/block/254:2'));
  const env = { PATH: bin, KILN_RUN: join(root, 'run'), KILN_SYS: sys, KILN_UNITS: join(root, 'units'), KILN_CONSOLE: join(root, 'ttyS0'), KILN_IPV4_WAIT: '2' };
  mkdirSync(env.KILN_UNITS);
  const calls = () => (existsSync(join(root, 'calls')) ? readFileSync(join(root, 'calls'), 'utf8') : '');
  return { root, env, calls };
}

const ROOT_EXT4 = { findmnt: 'echo ext4', mountpoint: 'echo 254:2' };

async function growroot(stubs: Record<string, string>) {
  const w = world(stubs);
  const { stdout } = await run('/usr/bin/dash', [script('growroot')], { env: w.env });
  return { outcome: readFileSync(join(w.env.KILN_RUN, 'growroot'), 'utf8'), stdout, calls: w.calls() };
}

describe('kiln-growroot (guest/growroot.sh)', () => {
  test('grown: growpart grows vda 2, then resize2fs grows vda2', async () => {
    const r = await growroot({ ...ROOT_EXT4, growpart: 'echo "CHANGED: partition=2 start=526336"; exit 0', resize2fs: 'exit 0' });
    assert.equal(r.outcome, 'grown\n');
    assert.match(r.calls, /^growpart \/dev\/vda 2$/m);
    assert.match(r.calls, /^resize2fs \/dev\/vda2$/m);
    assert.equal(r.stdout, 'kiln-growroot: grown: /dev/vda2 fills /dev/vda\n');
  });

  test('unchanged: growpart says NOCHANGE (exit 1), resize2fs is not run', async () => {
    const r = await growroot({ ...ROOT_EXT4, growpart: 'echo "NOCHANGE: partition 2 is size 41416671. it cannot be grown"; exit 1', resize2fs: 'exit 0' });
    assert.equal(r.outcome, 'unchanged\n');
    assert.doesNotMatch(r.calls, /resize2fs/);
  });

  test('failed: growpart fails, or resize2fs does', async () => {
    assert.equal((await growroot({ ...ROOT_EXT4, growpart: 'echo "FAILED: sfdisk"; exit 2', resize2fs: 'exit 0' })).outcome, 'failed\n');
    const r = await growroot({ ...ROOT_EXT4, growpart: 'exit 0', resize2fs: 'echo "resize2fs: Permission denied" >&2; exit 1' });
    assert.equal(r.outcome, 'failed\n');
    assert.match(r.stdout, /resize2fs \/dev\/vda2: resize2fs: Permission denied/);
  });

  test('unsupported: no growpart, no resize2fs, or a root that is not ext2/3/4', async () => {
    assert.equal((await growroot({ ...ROOT_EXT4, resize2fs: 'exit 0' })).outcome, 'unsupported\n');
    assert.equal((await growroot({ ...ROOT_EXT4, growpart: 'exit 0' })).outcome, 'unsupported\n');
    const xfs = await growroot({ findmnt: 'echo xfs', mountpoint: 'echo 254:2', growpart: 'exit 0', resize2fs: 'exit 0' });
    assert.equal(xfs.outcome, 'unsupported\n');
    assert.doesNotMatch(xfs.calls, /growpart \//);
  });
});

const IP_OUT = String.raw`echo '2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\       valid_lft 86385sec preferred_lft 86385sec'`;

describe('kiln-boot-report (guest/boot-report.sh)', () => {
  test('the exact line on the console, from column 0: address, sizes, growroot\'s outcome, the command active', async () => {
    const w = world({ ip: IP_OUT, stat: 'echo 1000 4096', mountpoint: 'echo 254:2', systemctl: 'exit 0', sleep: 'exit 0' });
    mkdirSync(w.env.KILN_RUN);
    writeFileSync(join(w.env.KILN_RUN, 'growroot'), 'grown\n');
    writeFileSync(join(w.env.KILN_UNITS, 'kiln-cmd.service'), '');
    const { stdout } = await run('/usr/bin/dash', [script('boot-report')], { env: w.env });
    const line = 'KILN-BOOT-REPORT v1 target=multi-user.target ipv4=10.0.2.15/24 root_bytes=4096000 disk_bytes=21474836480 growroot=grown cmd=active';
    assert.equal(readFileSync(w.env.KILN_CONSOLE, 'utf8'), `\r\n${line}\r\n`);
    assert.equal(stdout, `${line}\n`);
    assert.match(w.calls(), /^ip -4 -o addr show scope global$/m);
    assert.match(w.calls(), /^systemctl is-active --quiet kiln-cmd.service$/m);
    assert.doesNotMatch(w.calls(), /^sleep/m, 'no wait once there is an address');
  });

  test('no address after the wait: ipv4=none; no growroot outcome: unsupported; the command failed, or none without its unit', async () => {
    const w = world({ ip: 'exit 0', stat: 'echo 10 4096', mountpoint: 'echo 254:2', systemctl: 'exit 3', sleep: 'exit 0' });
    writeFileSync(join(w.env.KILN_UNITS, 'kiln-cmd.service'), '');
    await run('/usr/bin/dash', [script('boot-report')], { env: w.env });
    assert.equal(readFileSync(w.env.KILN_CONSOLE, 'utf8'), '\r\nKILN-BOOT-REPORT v1 target=multi-user.target ipv4=none root_bytes=40960 disk_bytes=21474836480 growroot=unsupported cmd=failed\r\n');
    assert.equal(w.calls().match(/^sleep 1$/gm)?.length, 2, 'it waited KILN_IPV4_WAIT seconds, one at a time');
    rmSync(join(w.env.KILN_UNITS, 'kiln-cmd.service'));
    mkdirSync(w.env.KILN_RUN);
    writeFileSync(join(w.env.KILN_RUN, 'growroot'), 'something else\n');
    await run('/usr/bin/dash', [script('boot-report')], { env: w.env });
    assert.match(readFileSync(w.env.KILN_CONSOLE, 'utf8'), / growroot=failed cmd=none\r\n$/);
  });
});

describe('the kernel hook (guest/kernel-hook.sh)', () => {
  const ENTRY = 'title Kiln image (Linux 6.1.0-9-cloud-amd64)\nversion 6.1.0-9-cloud-amd64\nlinux /vmlinuz-6.1.0-9-cloud-amd64\ninitrd /initrd.img-6.1.0-9-cloud-amd64\noptions root=UUID=u ro quiet\n';
  const SYSLINUX = 'DEFAULT kiln\nLABEL kiln\n  LINUX /vmlinuz-6.1.0-9-cloud-amd64\n  INITRD /initrd.img-6.1.0-9-cloud-amd64\n  APPEND root=UUID=u ro quiet\n';

  function partition() {
    const root = join(work, `k${n++}`);
    const boot = join(root, 'boot');
    const efi = join(boot, 'efi');
    mkdirSync(join(efi, 'loader/entries'), { recursive: true });
    mkdirSync(join(efi, 'syslinux'));
    writeFileSync(join(efi, 'loader/entries/kiln.conf'), ENTRY);
    writeFileSync(join(efi, 'syslinux/syslinux.cfg'), SYSLINUX);
    for (const at of [boot, efi]) {
      writeFileSync(join(at, 'vmlinuz-6.1.0-9-cloud-amd64'), 'old kernel');
      writeFileSync(join(at, 'initrd.img-6.1.0-9-cloud-amd64'), 'old initrd');
    }
    const hook = () => run('/usr/bin/dash', [script('kernel-hook'), '6.1.0-10-cloud-amd64', '/boot/vmlinuz-6.1.0-10-cloud-amd64'], { env: { PATH: '/usr/bin:/bin', KILN_EFI: efi, KILN_BOOT: boot } });
    return { boot, efi, hook };
  }

  test('a newer kernel in /boot (6.1.0-10 after 6.1.0-9): copied to the partition, both loaders pointed at it, the old one kept while /boot has it', async () => {
    const p = partition();
    writeFileSync(join(p.boot, 'vmlinuz-6.1.0-10-cloud-amd64'), 'new kernel');
    writeFileSync(join(p.boot, 'initrd.img-6.1.0-10-cloud-amd64'), 'new initrd');
    writeFileSync(join(p.boot, 'vmlinuz-6.1.0-11-cloud-amd64'), 'a kernel whose initrd is not made yet');
    const { stdout } = await p.hook();
    assert.equal(stdout, 'kiln: the boot partition boots Linux 6.1.0-10-cloud-amd64\n');
    assert.equal(readFileSync(join(p.efi, 'vmlinuz-6.1.0-10-cloud-amd64'), 'utf8'), 'new kernel');
    assert.equal(readFileSync(join(p.efi, 'initrd.img-6.1.0-10-cloud-amd64'), 'utf8'), 'new initrd');
    assert.equal(readFileSync(join(p.efi, 'loader/entries/kiln.conf'), 'utf8'), ENTRY.replaceAll('6.1.0-9-', '6.1.0-10-'));
    assert.equal(readFileSync(join(p.efi, 'syslinux/syslinux.cfg'), 'utf8'), SYSLINUX.replaceAll('6.1.0-9-', '6.1.0-10-'));
    assert.ok(existsSync(join(p.efi, 'vmlinuz-6.1.0-9-cloud-amd64')));
    assert.ok(!existsSync(join(p.efi, 'vmlinuz-6.1.0-11-cloud-amd64')));
  });

  test('the old kernel removed from /boot: removed from the partition; a remade initrd is copied again', async () => {
    const p = partition();
    writeFileSync(join(p.boot, 'vmlinuz-6.1.0-10-cloud-amd64'), 'new kernel');
    writeFileSync(join(p.boot, 'initrd.img-6.1.0-10-cloud-amd64'), 'new initrd');
    await p.hook();
    rmSync(join(p.boot, 'vmlinuz-6.1.0-9-cloud-amd64'));
    rmSync(join(p.boot, 'initrd.img-6.1.0-9-cloud-amd64'));
    writeFileSync(join(p.boot, 'initrd.img-6.1.0-10-cloud-amd64'), 'remade initrd');
    await p.hook();
    assert.deepEqual(readdirSync(p.efi).sort(), ['initrd.img-6.1.0-10-cloud-amd64', 'loader', 'syslinux', 'vmlinuz-6.1.0-10-cloud-amd64']);
    assert.equal(readFileSync(join(p.efi, 'initrd.img-6.1.0-10-cloud-amd64'), 'utf8'), 'remade initrd');
  });

  test('no boot partition mounted (an image being built): nothing done', async () => {
    const p = partition();
    rmSync(p.efi, { recursive: true });
    mkdirSync(p.efi);
    writeFileSync(join(p.boot, 'vmlinuz-6.1.0-10-cloud-amd64'), 'new kernel');
    writeFileSync(join(p.boot, 'initrd.img-6.1.0-10-cloud-amd64'), 'new initrd');
    const { stdout } = await p.hook();
    assert.equal(stdout, '');
    assert.deepEqual(readdirSync(p.efi), []);
  });
});
