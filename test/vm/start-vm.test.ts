import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startVm } from '../../src/engine/vm/start-vm.js';
import type { VmOptions } from '../../src/engine/vm/types.js';
import { qemuProcessesUnder } from './support/boot-cli.js';

/*
 * The boot runner on tiny disks that boot no Linux (each VM lives a few seconds under TCG): the
 * overlay (grown, the input never written), QEMU exiting on its own (a boot sector that triple
 * faults: -no-reboot ends the VM), a timeout then the ACPI button nobody answers (killed after
 * the grace), OVMF's output on the console and an abort, refusals before QEMU starts. After each:
 * no QEMU, nothing in the temp dir (TMPDIR is the test's own).
 */

const run = promisify(execFile);
let root: string;
let oldTmp: string | undefined;

/** A boot sector that loads an empty IDT and raises int3: a triple fault (a reset, which -no-reboot makes QEMU's exit). */
function tripleFaultSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([0x0f, 0x01, 0x1e, 0x08, 0x7c, 0xcc, 0xeb, 0xfe]).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = execFile('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const vmDirs = async () => (await readdir(root)).filter((n) => n.startsWith('kiln-vm-'));

async function assertGone(): Promise<void> {
  assert.deepEqual(await vmDirs(), [], 'no temp dir left');
  assert.deepEqual(await qemuProcessesUnder(root), [], 'no QEMU left');
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-vm-test-'));
  // QEMU runs as a user of its own: the VMs' temp dirs must be reachable by others, as under /tmp.
  await chmod(root, 0o711);
  oldTmp = process.env.TMPDIR;
  process.env.TMPDIR = root;
});

after(async () => {
  // A test that failed midway may leave its VM running: stop it, or it keeps this file (and the suite) from ending.
  for (const line of await qemuProcessesUnder(root)) {
    try {
      process.kill(Number.parseInt(line.trim(), 10), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  if (oldTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = oldTmp;
  await rm(root, { recursive: true, force: true });
});

/** The gid of /dev/kvm when it grants read and write to its (non-root) group, else ''. */
function kvmGroupOfThisMachine(): string {
  try {
    const st = statSync('/dev/kvm');
    return st.isCharacterDevice() && st.gid !== 0 && (st.mode & 0o060) === 0o060 ? String(st.gid) : '';
  } catch {
    return '';
  }
}

describe('startVm', () => {
  test('a disk that triple-faults: QEMU exits on its own (qemu-exited), the grown overlay was the only disk written, everything removed (and a dead Kiln\'s VM dir)', async () => {
    const disk = join(root, 'fault.raw');
    await writeFile(disk, Buffer.concat([tripleFaultSector(), Buffer.alloc(8 * 2 ** 20 - 512)]));
    // A VM dir left by a Kiln killed outright: the next VM's start removes it.
    await mkdir(join(root, `kiln-vm-p${await deadPid()}-Ab12Cd`, 'x'), { recursive: true });
    const before = await sha256(disk);
    const vm = await startVm({ disk, format: 'raw', bootMode: 'BIOS', accel: 'tcg', timeoutMs: 60_000, diskSizeBytes: 64 * 2 ** 20 });
    assert.equal(vm.accel, 'tcg');
    const [dir] = await vmDirs();
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', join(root, dir!, 'disk.qcow2')])).stdout);
    assert.equal(info['virtual-size'], 64 * 2 ** 20, 'the overlay is grown to diskSizeBytes');
    assert.equal(info['backing-filename'], '/dev/fdset/1', 'QEMU reads the input through the descriptor Kiln opened, never by path');
    const outcome = await vm.waitForReport(60_000);
    assert.equal(outcome.kind, 'qemu-exited', JSON.stringify(outcome));
    assert.match(outcome.problems.join(), /QEMU exited \(code 0\) before the guest reported/);
    assert.deepEqual(await vm.exited, { code: 0, signal: null });
    assert.equal(await sha256(disk), before, 'the input disk is never written');
    await assertGone();
  });

  test('a disk that boots nothing: timeout, then the ACPI button no OS answers — killed after the grace', async () => {
    const disk = join(root, 'blank.raw');
    await writeFile(disk, Buffer.alloc(2 ** 20));
    const vm = await startVm({ disk, format: 'raw', bootMode: 'BIOS', accel: 'tcg', timeoutMs: 1 });
    const outcome = await vm.waitForReport(1500);
    assert.equal(outcome.kind, 'timeout');
    assert.deepEqual(outcome.problems, ['the guest did not report in time']);
    assert.equal((await qemuProcessesUnder(root)).length, 1, 'the VM still runs after waitForReport');
    // QEMU runs as a user of its own: no root, no capability, and no group but /dev/kvm's when that
    // device is shared with its group (udev's `kvm`: then KVM works unprivileged); this machine may have either.
    const status = await readFile(`/proc/${vm.pid}/status`, 'utf8');
    assert.match(status, /^Name:\s+qemu-system-x86/m);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
    assert.ok(uid >= 2 ** 31 - 2 ** 24 && uid < 2 ** 31, `QEMU's uid ${uid}`);
    assert.match(status, new RegExp(`^Groups:\\s*${kvmGroupOfThisMachine()}\\s*$`, 'm'));
    assert.match(status, /^CapEff:\s+0+$/m);
    await vm.powerOff(1000);
    assert.match(vm.lastLines().join('\n'), /qemu: qemu-system-x86_64: terminating on signal 15/, 'killed (SIGTERM), not powered off');
    await assertGone();
  });

  test('UEFI: OVMF\'s output reaches onConsole; an abort stops the VM and removes its OVMF variable store copy', async () => {
    const disk = join(root, 'blank-uefi.raw');
    await writeFile(disk, Buffer.alloc(2 ** 20));
    const abort = new AbortController();
    let text = '';
    let sawFirmware!: () => void;
    const seen = new Promise<void>((resolve) => (sawFirmware = resolve));
    const options: VmOptions = {
      disk, format: 'raw', bootMode: 'UEFI', accel: 'tcg', timeoutMs: 120_000, signal: abort.signal,
      onConsole: (t) => {
        text += t;
        if (text.includes('BdsDxe')) sawFirmware();
      },
    };
    const vm = await startVm(options);
    const files = await readdir(join(root, (await vmDirs())[0]!));
    assert.ok(files.includes('OVMF_VARS.fd') && files.includes('disk.qcow2'), `the VM's own OVMF variable store and overlay: ${files}`);
    await seen;
    abort.abort(new Error('enough'));
    await vm.exited;
    await assertGone();
    assert.match(text, /BdsDxe/);
  });

  test('refused before QEMU starts, nothing left: a disk with a backing file of its own, a size below the disk\'s, an aborted signal', async () => {
    const base = join(root, 'base.raw');
    await writeFile(base, Buffer.alloc(2 ** 20));
    const layered = join(root, 'layered.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', layered]);
    const opts = { format: 'raw', bootMode: 'BIOS', accel: 'tcg', timeoutMs: 1000 } as const;
    await assert.rejects(startVm({ ...opts, disk: layered, format: 'qcow2' }), /has a backing file of its own/);
    // A qcow2 whose data lives in an external file would let the guest read that host file.
    const dataFile = join(root, 'external-data.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${base},data_file_raw=on`, dataFile, String(2 ** 20)]);
    await assert.rejects(startVm({ ...opts, disk: dataFile, format: 'qcow2' }), /external file of its own/);
    await assert.rejects(startVm({ ...opts, disk: base, diskSizeBytes: 4096 }), /below the disk's own \(1048576 bytes\): a disk only grows/);
    await assert.rejects(startVm({ ...opts, disk: base, signal: AbortSignal.abort(new Error('stop')) }), /stop/);
    await assert.rejects(startVm({ ...opts, disk: join(root, 'missing.raw') }), /qemu-img/);
    // QEMU runs unprivileged: a TMPDIR other users cannot search is named, not met by QEMU failing to open its files.
    const closed = join(root, 'closed');
    await mkdir(closed, { mode: 0o700 });
    process.env.TMPDIR = closed;
    try {
      await assert.rejects(startVm({ ...opts, disk: base }), new RegExp(`${closed} is not searchable by other users \\(mode 700\\)`));
      assert.deepEqual(await readdir(closed), [], 'nothing left in it');
    } finally {
      process.env.TMPDIR = root;
      await rm(closed, { recursive: true });
    }
    await assertGone();
  });
});
