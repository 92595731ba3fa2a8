import { INPUT_FDSET } from './overlay.js';
import type { VmBootMode } from './types.js';

/** The firmware files Debian's ovmf package installs (4 MiB flash, no Secure Boot keys). */
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** Everything the QEMU command line is made of. */
export interface QemuPlan {
  accel: 'kvm' | 'tcg';
  bootMode: VmBootMode;
  memoryMiB: number;
  cpus: number;
  /** The throwaway qcow2 overlay the VM writes to. */
  overlay: string;
  /** UEFI: the VM's own copy of OVMF's variable store. */
  ovmfVars?: string;
  /** The QMP monitor's Unix socket. */
  qmpSocket: string;
  serialPorts: { name: string; socketPath: string }[];
  /** The console on the caller's terminal (with the monitor) instead of QEMU's stdout. */
  interactive: boolean;
  /** QEMU's descriptor holding the input disk (the overlay's backing file, descriptor set INPUT_FDSET). */
  inputFd: number;
}

/**
 * QEMU's command line for a plan. The choices (docs/vm-images.md, "Booting an image"):
 * q35 with no default devices; the disk as virtio-blk (what ECS gives an instance), written to
 * a qcow2 overlay only (`cache=unsafe`: it is thrown away); one virtio-net NIC on QEMU's user
 * network with `restrict=on` (slirp's DHCP and the guest's own 10.0.2.0/24 still work, but no
 * packet reaches the host or the outside: a booted image is not trusted); the serial console
 * on QEMU's stdout (or, interactive, the terminal with the monitor: Ctrl-A X quits); the QMP monitor on a Unix socket for the
 * ACPI power button; `-no-reboot` (a reboot ends the VM, as the boot check wants); QEMU's
 * seccomp sandbox (no new processes, no privilege changes).
 */
export function qemuArgs(plan: QemuPlan): string[] {
  const args = [
    '-name', 'kiln-vm', '-machine', `q35,accel=${plan.accel}`, '-cpu', plan.accel === 'kvm' ? 'host' : 'max',
    '-m', String(plan.memoryMiB), '-smp', String(plan.cpus), '-nodefaults', '-no-user-config', '-no-reboot',
    '-rtc', 'base=utc', '-boot', 'strict=on',
    '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
    '-add-fd', `fd=${plan.inputFd},set=${INPUT_FDSET},opaque=input-disk`,
    '-drive', `file=${opt(plan.overlay)},format=qcow2,if=virtio,cache=unsafe,discard=unmap`,
    '-netdev', 'user,id=net0,restrict=on', '-device', 'virtio-net-pci,netdev=net0',
    '-qmp', `unix:${opt(plan.qmpSocket)},server=on,wait=off`,
    ...consoleArgs(plan.interactive),
    ...firmwareArgs(plan),
    ...serialPortArgs(plan.serialPorts),
  ];
  return args;
}

function consoleArgs(interactive: boolean): string[] {
  // The monitor muxed on the console (Ctrl-A C, Ctrl-A X quits); signal=on keeps Ctrl-C a SIGINT
  // for Kiln (which stops the VM) instead of a key for the guest.
  if (interactive) return ['-display', 'none', '-chardev', 'stdio,id=console,mux=on,signal=on', '-serial', 'chardev:console', '-mon', 'chardev=console'];
  return ['-display', 'none', '-chardev', 'stdio,id=console,signal=off', '-serial', 'chardev:console'];
}

function firmwareArgs(plan: QemuPlan): string[] {
  if (plan.bootMode === 'BIOS') return [];
  if (!plan.ovmfVars) throw new Error('a UEFI VM needs its own copy of the OVMF variable store');
  return [
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${opt(OVMF_CODE)}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${opt(plan.ovmfVars)}`,
  ];
}

function serialPortArgs(ports: { name: string; socketPath: string }[]): string[] {
  if (ports.length === 0) return [];
  const args = ['-device', 'virtio-serial-pci,id=vser0'];
  ports.forEach((port, i) => {
    args.push('-chardev', `socket,id=vport${i},path=${opt(port.socketPath)},server=on,wait=off`);
    args.push('-device', `virtserialport,bus=vser0.0,chardev=vport${i},name=${opt(port.name)}`);
  });
  return args;
}

/** A value inside a QEMU option list: commas doubled, so a path cannot add options. */
function opt(value: string): string {
  return value.replaceAll(',', ',,');
}
