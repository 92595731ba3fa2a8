import { copyFile, open, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CleanupStack } from '../instance/cleanup-stack.js';
import { chooseAccel } from './accel.js';
import { createOverlay } from './overlay.js';
import { makeOwnedTempDir } from '../system/owned-temp-dir.js';
import { OVMF_VARS, type QemuPlan, qemuArgs } from './qemu-args.js';
import type { RunningVm, VmOptions } from './types.js';
import { spawnVm } from './vm-process.js';
import { giveToVmUser, newVmUser, qemuCommand } from './vm-user.js';

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
    await assertSearchableByOthers(dirname(dir));
    const overlay = join(dir, 'disk.qcow2');
    await createOverlay(options.disk, options.format, overlay, options.diskSizeBytes, options.signal);
    const input = await open(options.disk, 'r');
    stack.push('the input disk\'s descriptor', () => input.close());
    let ovmfVars: string | undefined;
    if (options.bootMode === 'UEFI') {
      ovmfVars = join(dir, 'OVMF_VARS.fd');
      await copyFile(OVMF_VARS, ovmfVars);
    } else if (options.bootMode !== 'BIOS') throw new Error(`unknown boot mode '${String(options.bootMode)}' (BIOS or UEFI)`);
    const user = newVmUser();
    await giveToVmUser(user, [dir, overlay, ...(ovmfVars ? [ovmfVars] : [])]);
    const serialPorts = await serialPortsIn(dir, options.serialPorts ?? [], stack);
    const plan: QemuPlan = {
      accel: accel.accel, bootMode: options.bootMode, memoryMiB: options.memoryMiB ?? 1024, cpus: options.cpus ?? 2,
      overlay, ovmfVars, qmpSocket: join(dir, 'qmp.sock'), serialPorts, interactive: options.interactive ?? false, inputFd: 3,
    };
    options.signal?.throwIfAborted();
    return spawnVm(qemuCommand(user, qemuArgs(plan)), input.fd, plan, options, stack);
  });
}

/**
 * The VM's virtio-serial sockets live in its own dir (QEMU, unprivileged, makes them there);
 * each path the caller asked for becomes a link to one, removed with the VM.
 */
async function serialPortsIn(dir: string, ports: readonly { name: string; socketPath: string }[], stack: CleanupStack): Promise<{ name: string; socketPath: string }[]> {
  const inDir: { name: string; socketPath: string }[] = [];
  for (const [i, port] of ports.entries()) {
    const socketPath = join(dir, `serial-${i}.sock`);
    await symlink(socketPath, port.socketPath);
    stack.push(`the link ${port.socketPath} to the VM's socket`, () => rm(port.socketPath, { force: true }));
    inDir.push({ name: port.name, socketPath });
  }
  return inDir;
}

/**
 * QEMU runs as a user of its own (vm-user.ts), so the VM's temp dir must be reachable by any
 * user: every folder above it searchable by others, as /tmp is. A TMPDIR that is not fails the
 * start with the folder to fix, rather than QEMU failing to open its files.
 */
async function assertSearchableByOthers(path: string): Promise<void> {
  for (let p = path; ; p = dirname(p)) {
    const st = await stat(p);
    if ((st.mode & 0o001) === 0) {
      throw new Error(`QEMU runs unprivileged and cannot reach its temp dir: ${p} is not searchable by other users (mode ${(st.mode & 0o777).toString(8)}); give it o+x or set TMPDIR to a folder such as /tmp`);
    }
    if (dirname(p) === p) return;
  }
}
