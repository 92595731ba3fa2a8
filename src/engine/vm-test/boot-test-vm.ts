import { rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ImageBootMode } from '../../domain/image.js';
import { StepCancelled } from '../build/step-failure.js';
import { exportImage, type ExportDeps } from '../export/export-image.js';
import { CleanupStack } from '../instance/cleanup-stack.js';
import { startVm } from '../vm/start-vm.js';
import type { RunningVm, VmAccel } from '../vm/types.js';
import { AgentSession } from './agent-session.js';
import { AGENT_PORT, agentGuestFiles } from './guest-agent.js';
import { makeOwnedTempDir } from '../system/owned-temp-dir.js';
import { VmInstance, VmTestError } from './vm-instance.js';

export interface TestVmOptions {
  /** The instance's name (the execution's test instance): the scratch dir is `kiln-vmtest-<name>-p<pid>-*` in the temp dir. */
  name: string;
  /** The built image. */
  manifestDigest: string;
  /** The disk's size (SystemDiskSize). */
  sizeGiB: number;
  /** The image's BootMode: the disk's layout; the VM boots with UEFI for `UEFI`, else with BIOS (quicker under TCG). */
  bootMode: ImageBootMode;
  memoryMiB: number;
  cpus: number;
  /** From QEMU's start to the agent's hello. */
  bootTimeoutMs: number;
  accel?: VmAccel;
  /** The build's cancel: stops the export, the boot and the VM. */
  signal: AbortSignal;
  /** A line for the execution's log. */
  log(line: string): void;
}

/**
 * Boots a test VM from the image: exports it as a bootable raw disk into a scratch dir (with the
 * test agent and its unit added to the disk's tree only), starts it in QEMU with the agent's
 * virtio-serial port on a socket there, and waits for the agent's hello. On any failure, and
 * later on `destroy`, the VM, the connection and the scratch dir go.
 */
export async function bootTestVm(deps: ExportDeps, o: TestVmOptions): Promise<VmInstance> {
  const stack = new CleanupStack();
  return stack.guard(async () => {
    const dir = await makeOwnedTempDir(`kiln-vmtest-${o.name}`);
    stack.push(`the test VM's scratch dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
    const disk = join(dir, 'disk.raw');
    const started = Date.now();
    const exported = await exportImage(deps, { manifestDigest: o.manifestDigest, format: 'raw', file: disk, sizeGiB: o.sizeGiB, bootMode: o.bootMode, ...(await agentGuestFiles()), signal: o.signal })
      .catch(failsTest(o.signal, 'the image could not be exported as a bootable disk'));
    if (!exported.bootable) throw new VmTestError('the image has no kernel to boot (no /boot/vmlinuz-<version> with its /boot/initrd.img-<version>).');
    const bootMode = o.bootMode === 'UEFI' ? 'UEFI' : 'BIOS';
    o.log(`the image was exported as a ${exported.bootMode ?? bootMode} disk in ${seconds(started)} s; booting it (${bootMode})`);
    const socketPath = join(dir, 'agent.sock');
    const vm = await startVm({
      disk, format: 'raw', bootMode, accel: o.accel ?? 'auto', memoryMiB: o.memoryMiB, cpus: o.cpus, timeoutMs: o.bootTimeoutMs,
      signal: o.signal, serialPorts: [{ name: AGENT_PORT, socketPath }],
    }).catch(failsTest(o.signal, 'QEMU could not start the VM'));
    stack.push('the test VM', async () => void (await vm.kill()));
    const session = new AgentSession(await connectAgent(vm, socketPath, o.signal), () => void vm.kill());
    stack.push('the agent connection', async () => session.close());
    await waitForAgent(vm, session, o);
    o.log(`Testing in a VM booted from the image (${vm.accel.toUpperCase()}): the test agent answered ${seconds(started)} s after the export started`);
    return new VmInstance(vm, session, stack);
  });
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/** A failure to export or to start QEMU fails the test, saying so (never a fallback to a container); a cancel stays a cancel. */
function failsTest(signal: AbortSignal, what: string): (err: unknown) => never {
  return (err) => {
    if (signal.aborted) throw new StepCancelled();
    throw new VmTestError(`${what}: ${err instanceof Error ? err.message : String(err)}.`);
  };
}

/** Connects to the agent's port socket, which QEMU makes as it starts. */
async function connectAgent(vm: RunningVm, socketPath: string, signal: AbortSignal): Promise<Socket> {
  let exited = false;
  void vm.exited.then(() => { exited = true; });
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new StepCancelled();
    if (exited) throw new VmTestError('QEMU exited before the VM started.', vm.lastLines());
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const s = connect(socketPath);
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (socket) return socket;
    if (attempt >= 300) throw new VmTestError(`QEMU did not open the agent's socket ${socketPath}.`, vm.lastLines());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The agent's hello, or the first sign that the boot failed (panic, initramfs shell, emergency mode, QEMU gone). */
async function waitForAgent(vm: RunningVm, session: AgentSession, o: TestVmOptions): Promise<void> {
  const bootFailed = vm.waitForReport(o.bootTimeoutMs).then((outcome) => {
    if (outcome.kind === 'reported') return new Promise<never>(() => undefined);
    throw new VmTestError(`the VM booted from the image did not start the test agent: ${outcome.problems.join('; ') || outcome.kind}.`, outcome.lastLines);
  });
  bootFailed.catch(() => undefined); // a VM killed later (destroy) ends the wait too: nobody listens then
  try {
    await Promise.race([session.waitForHello(o.bootTimeoutMs, o.signal), bootFailed]);
  } catch (err) {
    if (o.signal.aborted) throw new StepCancelled();
    if (err instanceof VmTestError) throw err;
    throw new VmTestError(`the VM booted from the image did not start the test agent (${(err as Error).message}; the agent needs systemd and /usr/bin/perl in the image).`, vm.lastLines());
  }
}
