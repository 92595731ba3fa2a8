import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../system/run-command.js';
import { giveToVmUser, newVmUser, qemuCommand } from './vm-user.js';
import type { VmAccel } from './types.js';

/** The accelerator chosen, and why (said in the CLI's summary and the docs). */
export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  reason: string;
}

/** isa-debug-exit turns the probe's `out 0xf4, 0x10` into QEMU's exit code (0x10 << 1) | 1. */
const PROBE_EXIT_CODE = 33;
const PROBE_TIMEOUT_MS = 10_000;

/**
 * A boot sector (SeaBIOS loads it at 0x7c00): `mov al, 0x10; out 0xf4, al; hlt; jmp hlt`. It
 * runs guest code on a KVM vCPU with the CPU model the real VM uses (`-cpu host`), which is
 * where this machine fails (nested under Firecracker: "failed to set MSR 0x10a").
 */
function probeSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([0xb0, 0x10, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

let kvmProbe: Promise<AccelChoice> | undefined;

/**
 * The accelerator for `requested`: `tcg` (QEMU's emulator, `-cpu max`) as asked; `kvm` as
 * asked (QEMU then fails at once where KVM does not work); `auto` KVM only when /dev/kvm
 * opens read-write AND a probe VM on it runs guest code and exits as told within 10 s, else
 * TCG. The probe runs once per process.
 */
export async function chooseAccel(requested: VmAccel = 'auto'): Promise<AccelChoice> {
  if (requested === 'tcg') return { accel: 'tcg', reason: 'TCG as asked' };
  if (requested === 'kvm') return { accel: 'kvm', reason: 'KVM as asked' };
  kvmProbe ??= probeKvm();
  return kvmProbe;
}

async function probeKvm(): Promise<AccelChoice> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: 'TCG: /dev/kvm cannot be opened' };
  }
  const dir = await mkdtemp(join(tmpdir(), 'kiln-kvm-probe-'));
  try {
    const image = join(dir, 'probe.img');
    await writeFile(image, probeSector());
    // The probe runs as VMs run (an unprivileged user of its own): KVM is used only when that user can use it.
    const user = newVmUser();
    await giveToVmUser(user, [dir, image]);
    const abort = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    const [file, args] = qemuCommand(user, [
      '-accel', 'kvm', '-cpu', 'host', '-machine', 'pc', '-m', '64', '-nodefaults', '-display', 'none', '-no-reboot',
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `file=${image},format=raw,if=ide`,
    ]);
    const result = await runCommand(file, args, { allowFailure: true, signal: abort }).catch(() => undefined);
    if (result?.code === PROBE_EXIT_CODE) return { accel: 'kvm', reason: 'KVM: /dev/kvm opens and a probe VM ran on it' };
    const why = result ? (result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`) : 'no answer within 10 s';
    return { accel: 'tcg', reason: `TCG: /dev/kvm opens but a probe VM on it failed (${why.slice(0, 200)})` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
