import { reportProblems } from './boot-report.js';
import { startVm } from './start-vm.js';
import type { BootExpectations, BootOutcome, VmOptions } from './types.js';

/** How long the guest has to power off on the ACPI button before QEMU is killed. */
const POWER_OFF_GRACE_MS = 20_000;

/**
 * Boots the disk, waits up to `timeoutMs` for the guest's report (or a sign the boot failed),
 * checks the report (`reportProblems`: multi-user.target, an address of QEMU's user network,
 * growroot, the image's command; a grown disk filled when `diskSizeBytes` grew it), powers the
 * VM off (ACPI, then killed) and answers how it went. Nothing outlives the call: QEMU, its
 * process group and its temp dir are gone when it returns or throws.
 */
export async function checkBoot(options: VmOptions & { expect?: BootExpectations }): Promise<BootOutcome> {
  const vm = await startVm(options);
  try {
    const outcome = await vm.waitForReport(options.timeoutMs);
    const expect = options.expect ?? { grown: options.diskSizeBytes !== undefined };
    const problems = outcome.report ? [...outcome.problems, ...reportProblems(outcome.report, expect)] : outcome.problems;
    await (outcome.kind === 'reported' ? vm.powerOff(POWER_OFF_GRACE_MS) : vm.kill());
    return { ...outcome, lastLines: vm.lastLines(), problems, ok: outcome.kind === 'reported' && problems.length === 0 };
  } finally {
    await vm.kill();
  }
}
