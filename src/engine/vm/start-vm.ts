import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CleanupStack } from '../instance/cleanup-stack.js';
import { chooseAccel } from './accel.js';
import { createOverlay } from './overlay.js';
import { makeOwnedTempDir } from '../system/owned-temp-dir.js';
import { OVMF_VARS, type QemuPlan, qemuArgs } from './qemu-args.js';
import type { RunningVm, VmOptions } from './types.js';
import { spawnVm } from './vm-process.js';

/**
 * Boots `options.disk` in QEMU and returns the running VM (see `RunningVm`). Everything it
 * makes — a temp dir with the qcow2 overlay the VM writes to (grown to `diskSizeBytes`), UEFI's
 * copy of the OVMF variable store, the QMP socket — and QEMU's process group go when QEMU ends
 * (`kill`, `powerOff`, the guest powering off or rebooting, `signal` aborted); a failure before
 * QEMU runs removes what was made and throws. The input disk is never written.
 */
export async function startVm(options: VmOptions): Promise<RunningVm> {
  options.signal?.throwIfAborted();
  const stack = new CleanupStack();
  return stack.guard(async () => {
    const accel = await chooseAccel(options.accel);
    const dir = await makeOwnedTempDir('kiln-vm');
    stack.push(`the VM's temp dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const overlay = join(dir, 'disk.qcow2');
    await createOverlay(options.disk, options.format, overlay, options.diskSizeBytes, options.signal);
    let ovmfVars: string | undefined;
    if (options.bootMode === 'UEFI') {
      ovmfVars = join(dir, 'OVMF_VARS.fd');
      await copyFile(OVMF_VARS, ovmfVars);
    } else if (options.bootMode !== 'BIOS') throw new Error(`unknown boot mode '${String(options.bootMode)}' (BIOS or UEFI)`);
    const plan: QemuPlan = {
      accel: accel.accel, bootMode: options.bootMode, memoryMiB: options.memoryMiB ?? 1024, cpus: options.cpus ?? 2,
      overlay, ovmfVars, qmpSocket: join(dir, 'qmp.sock'), serialPorts: options.serialPorts ?? [], interactive: options.interactive ?? false,
    };
    options.signal?.throwIfAborted();
    return spawnVm(qemuArgs(plan), plan, options, stack);
  });
}
