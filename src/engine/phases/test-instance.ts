import { TEST_INSTANCE_TAG, testInstanceSetting, type TestInstanceKind } from '../../domain/test-instance.js';
import type { RunnableImage } from '../base-layers.js';
import { LazyInstance } from '../build/lazy-instance.js';
import type { PlanStep } from '../plan/steps.js';
import { AGENT_INTERPRETER } from '../vm-test/guest-agent.js';
import { bootTestVm } from '../vm-test/boot-test-vm.js';
import { kernelInLayers, lookupInLayers } from '../vm-test/layer-lookup.js';
import { VmTestError } from '../vm-test/vm-instance.js';
import { made, type BuildState } from './build-state.js';
import { openInstance } from './instance-slot.js';

/** Booting under TCG takes ~30 s here; a loaded host and UEFI firmware take longer. */
const BOOT_TIMEOUT_MS = 300_000;
/** The test VM gets the InstanceType's vCPUs and memory up to these (QEMU's TCG gains little from more). */
const MAX_VM_CPUS = 2;
const MAX_VM_MEMORY_MIB = 2048;

/** The test instance's kind and why, for the log (see domain/test-instance.ts). */
export async function chooseTestInstance(state: BuildState, built: RunnableImage): Promise<{ kind: TestInstanceKind; kernel?: string; why: string }> {
  const tags = state.ctx.pipeline.tags;
  const setting = testInstanceSetting(tags);
  const raw = tags.find((t) => t.key === TEST_INSTANCE_TAG)?.value;
  const note = setting === 'auto' && raw !== undefined && raw.trim().toLowerCase() !== 'auto' ? ` (the tag ${TEST_INSTANCE_TAG}=${raw} is none of auto, vm, container: read as auto)` : '';
  if (setting === 'container') return { kind: 'container', why: `the template's tag ${TEST_INSTANCE_TAG}=container` };
  const kernel = await kernelInLayers(built.dirs);
  if (kernel) return { kind: 'vm', kernel, why: `the image has a kernel (${kernel})${setting === 'vm' ? ` and the template's tag says ${TEST_INSTANCE_TAG}=vm` : ''}${note}` };
  if (setting === 'vm') throw new VmTestError(`the template's tag ${TEST_INSTANCE_TAG}=vm asks for a VM, but the image has no kernel to boot (/boot/vmlinuz-<version> and /boot/initrd.img-<version>).`);
  return { kind: 'container', why: `the image has no kernel (a container image)${note}` };
}

/**
 * Opens the build's test instance: a runc container on the image's layers, or a VM booted from
 * the image (exported, booted and reached through the test agent when the first step runs).
 */
export async function openTestInstance(state: BuildState, kind: TestInstanceKind, name: string, built: RunnableImage): Promise<LazyInstance> {
  if (kind === 'container') return openInstance(state, 'test', name, built.dirs);
  const perl = await lookupInLayers(built.dirs, AGENT_INTERPRETER);
  if (!perl?.stat.isFile()) throw new VmTestError(`the test agent needs ${AGENT_INTERPRETER} in the image (Debian's perl-base), which it lacks; test this image in a container (tag ${TEST_INSTANCE_TAG}=container).`);
  if (state.slot) throw new Error(`the ${state.slot.role} instance ${state.slot.name} is still open`);
  const { ctx, deps, limits } = state;
  const image = made(state.image, 'built image');
  const base = made(state.base, 'base image').image;
  const instance = new LazyInstance(() => bootTestVm(deps, {
    name, manifestDigest: image.manifestDigest, sizeGiB: limits.diskGiB, bootMode: base.bootMode,
    memoryMiB: Math.min(limits.memoryMiB, MAX_VM_MEMORY_MIB), cpus: Math.min(limits.cpus, MAX_VM_CPUS), bootTimeoutMs: BOOT_TIMEOUT_MS,
    signal: ctx.signal, log: (line) => ctx.log('system', `${line}\n`),
  }), [], deps.layers);
  state.slot = { role: 'test', name, instance };
  return instance;
}

const CONTAINER_HINT = `or test the image in a container (tag ${TEST_INSTANCE_TAG}=container)`;

/**
 * The test steps as a VM runs them: those it cannot run fail clearly when reached (the steps
 * before them run) — RESTART (a reboot ends the test VM, whose disk is a throwaway overlay) and
 * fetches from the network (COPY of a URL, WebDownload: the test VM's NIC reaches nothing
 * outside it). Everything else runs as in a container; OSSDownload/OSSUpload are carried by
 * the engine through the agent.
 */
export function vmTestSteps(steps: readonly PlanStep[]): PlanStep[] {
  return steps.map((step) => {
    const refuse = (message: string): PlanStep => ({ op: 'unsupported', where: step.where, code: 'VmTestFailed', message });
    if (step.op === 'restart') return refuse(`RESTART cannot run in a VM test: a reboot ends the test VM, whose disk is throwaway; drop it, ${CONTAINER_HINT}.`);
    if (step.op === 'download' || (step.op === 'copy' && step.sourceKind === 'url')) {
      return refuse(`${step.op === 'download' ? 'WebDownload' : 'COPY from a URL'} cannot run in a VM test: the test VM's network reaches nothing outside it; fetch it in the build content, ${CONTAINER_HINT}.`);
    }
    return step;
  });
}
