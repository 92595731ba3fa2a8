import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
