import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kilnEnv, REPO_ROOT } from '../support/child.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { $Ecs, build, REGION } from '../support/builds.js';
import { seedDebianVm } from '../support/vm-base.js';
import { assertNoVmLeftovers, bootCli, buildVmImage, qemuProcessesUnder } from './support/boot-cli.js';

/*
 * Issue 10, part C: `kiln images boot` as users run it, on images built by Kiln through the
 * official SDK on the Debian 12 VM base: a RUN step installs a package from the mirror (jq), the
 * CMD uses it and its output must appear on the serial console (kiln-cmd.service). --check boots
 * the exported disk (UEFI-Preferred, the base's BootMode) in QEMU (TCG here) in BIOS, and in
 * UEFI on a grown disk (the root filesystem grows to it), waits for the guest's report and exits
 * 0 with one line; a boot that panics exits 1 with the last console lines; an image without a
 * kernel is refused before QEMU starts; without --check the terminal is the console (UEFI asked
 * for a BIOS image: the UEFI layout is exported for the boot) and Ctrl-C stops the VM. After
 * each: no QEMU process, an empty temp dir.
 */

/** A boot takes ~20-40 s under TCG here; the export before it a few more. Generous limits, not timing assertions. */
const BOOT_TEST_MS = 6 * 60_000;
const BUILD_MS = 15 * 60_000;
const CMD_LINE = 'kiln-cmd-says 42';

let kiln: TestKiln;
let root: string;
let good: string;
let panics: string;
let noKernel: string;
const tmpOf = (name: string) => join(root, name);

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
  root = await mkdtemp(join(tmpdir(), 'kiln-boot-test-'));
  // QEMU runs as a user of its own: the VMs' temp dirs must be reachable by others, as under /tmp.
  await chmod(root, 0o711);
  await seedDebianVm(kiln.config.dataDir);
  good = await buildVmImage(kiln, 'vm-jq', [
    'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends jq',
    `CMD ["/bin/sh", "-c", "echo kiln-cmd-says $(jq -n 40+2)"]`,
  ], true);
  // systemd replaced by a program that exits: the kernel panics ("Attempted to kill init!").
  panics = await buildVmImage(kiln, 'vm-no-init', ['RUN ln -sf /bin/false /sbin/init']);
  const busybox = await build(kiln.clients.v3, { name: 'no-kernel', buildContent: 'RUN echo no kernel here > /etc/motd' });
  assert.equal(busybox.item.status, 'SUCCESS');
  noKernel = busybox.item.imageId!;
}, { timeout: BUILD_MS });

after(async () => {
  await kiln?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('kiln images boot --check', () => {
  test('BIOS (SeaBIOS on its UEFI-Preferred disk, the base\'s BootMode): the guest reports (multi-user.target, 10.0.2.x by DHCP, the CMD active), its output is on the console; exit 0 with one line', { timeout: BOOT_TEST_MS }, async (t) => {
    const tmp = tmpOf('bios');
    const res = await bootCli(kiln, tmp, [good, '--check', '--boot-mode', 'BIOS', '--accel', 'auto']);
    assert.equal(res.code, 0, `${res.stderr}\n${res.stdout.slice(-4000)}`);
    assert.match(res.stderr, new RegExp(`kiln: exporting ${good} as a raw UEFI-Preferred disk`), 'the layout ExportImage writes');
    assert.match(res.stdout, /Linux version 6\.1\./, 'the serial console is streamed');
    assert.ok(res.stdout.includes(CMD_LINE), `the CMD ran as a service (jq answered), its output on the console:\n${res.stdout.slice(-6000)}`);
    assert.match(res.stdout, /^KILN-BOOT-REPORT v1 target=multi-user\.target ipv4=10\.0\.2\.\d+\/24 .* cmd=active/m);
    const summary = res.stdout.trim().split('\n').at(-1)!;
    t.diagnostic(`${summary} | ${res.stderr.trim().split('\n').filter((l) => /exported in|the VM is gone/.test(l)).join(' | ')}`);
    assert.match(summary, new RegExp(`^kiln: ${good} booted \\(BIOS, tcg\\) to multi-user\\.target in \\d+\\.\\d s: 10\\.0\\.2\\.\\d+/24, .*cmd active$`));
    await assertNoVmLeftovers(tmp);
  });

  test('UEFI (the default of its UEFI-Preferred BootMode), grown to 44 GiB (--disk-size): OVMF boots it and the root filesystem grows to the disk', { timeout: BOOT_TEST_MS }, async (t) => {
    const tmp = tmpOf('uefi');
    const res = await bootCli(kiln, tmp, [good, '--check', '--disk-size', '44', '--accel', 'tcg']);
    assert.equal(res.code, 0, `${res.stderr}\n${res.stdout.slice(-4000)}`);
    assert.match(res.stdout, /BdsDxe: (loading|starting) Boot/, 'OVMF booted it (UEFI, the default of a UEFI-Preferred image)');
    const report = /^KILN-BOOT-REPORT v1 .*root_bytes=(\d+) disk_bytes=(\d+) growroot=(\w+)/m.exec(res.stdout);
    assert.ok(report, res.stdout.slice(-3000));
    assert.equal(Number(report[2]), 44 * 2 ** 30, 'the guest sees the grown disk');
    assert.equal(report[3], 'grown');
    assert.ok(Number(report[1]) > 40 * 2 ** 30, `the root filesystem (${report[1]} bytes) grew past the image's own 40 GiB disk (SystemDiskSize)`);
    const summary = res.stdout.trim().split('\n').at(-1)!;
    t.diagnostic(`${summary} | ${res.stderr.trim().split('\n').filter((l) => /exported in|the VM is gone/.test(l)).join(' | ')}`);
    assert.match(summary, /booted \(UEFI, tcg\).*growroot grown/);
    await assertNoVmLeftovers(tmp);
  });
});

describe('kiln images boot: failures', () => {
  test('a kernel panic (no init): exit 1, what happened and the last console lines; nothing left', { timeout: BOOT_TEST_MS }, async () => {
    const tmp = tmpOf('panic');
    const res = await bootCli(kiln, tmp, [panics, '--check', '--boot-mode', 'BIOS']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, new RegExp(`^kiln: ${panics} did not boot \\(BIOS, tcg, panic after \\d+\\.\\d s\\)`, 'm'));
    assert.match(res.stderr, /kiln: {3}the kernel panicked: .*Kernel panic - not syncing: Attempted to kill init!/);
    assert.match(res.stderr, /kiln: the last \d+ console line\(s\):\n(?: {2}\| .*\n)+ {2}\| .*Kernel panic - not syncing/);
    await assertNoVmLeftovers(tmp);
  });

  test('an image without a kernel is refused before QEMU starts; flags are checked', async () => {
    const tmp = tmpOf('no-kernel');
    const res = await bootCli(kiln, tmp, [noKernel, '--check', '--boot-mode', 'BIOS']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`kiln: ImageNotSupported: .*${noKernel} has no kernel \\(/boot/vmlinuz-<version>`));
    assert.doesNotMatch(res.stdout, /SeaBIOS|Linux version/);
    await assertNoVmLeftovers(tmp);
    const usage = await bootCli(kiln, tmp, [good, '--boot-mode', 'UEFI-Preferred']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--boot-mode must be BIOS or UEFI, got 'UEFI-Preferred'/);
    assert.equal((await bootCli(kiln, tmp, [good, '--disk-size', 'big'])).code, 2);
  });

  test('interactive (no --check) on a terminal (script(1) gives it one), UEFI for a BIOS image (its UEFI layout exported for the boot): the console is the terminal\'s, Ctrl-C stops the VM, exit 130, nothing left', { timeout: BOOT_TEST_MS }, async () => {
    const tmp = tmpOf('interactive');
    await mkdir(tmp, { recursive: true });
    const env = kilnEnv({ KILN_DATA_DIR: kiln.config.dataDir, ...(kiln.config.databaseUrl ? { KILN_DATABASE_URL: kiln.config.databaseUrl } : {}), TMPDIR: tmp });
    // The no-init image (only its kernel's start is waited for), made BIOS: its disk has no EFI system partition.
    await kiln.clients.v3.modifyImageAttribute(new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId: panics, bootMode: 'BIOS' }));
    const line = `${process.execPath} --import tsx src/main/cli.ts images boot ${panics} --boot-mode UEFI --region cn-hangzhou`;
    const child = spawn('script', ['-qec', line, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Linux version')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before the kernel started: ${out}`)));
    });
    assert.match(out, new RegExp(`kiln: ${panics}'s BootMode is BIOS, whose disk does not boot on UEFI: exporting the UEFI layout for this boot`));
    assert.match(out, /kiln: booting \(UEFI\); Ctrl-A X or Ctrl-C quits[\s\S]*BdsDxe: (loading|starting) Boot[\s\S]*Linux version/);
    assert.equal((await qemuProcessesUnder(tmp)).length, 1, 'the VM runs');
    child.stdin.write('\x03');
    assert.equal(await exited, 130, out.slice(-3000));
    assert.match(out, /kiln: interrupted; the VM and its files are gone/);
    await assertNoVmLeftovers(tmp);
  });
});
