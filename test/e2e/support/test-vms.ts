import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** An execution's test VM as seen from outside: QEMU's pid and the temp dirs its command line names. */
export interface SeenVm {
  pid: number;
  /** The execution's scratch dir (disk, agent socket) and the boot runner's temp dir (overlay, QMP socket). */
  dirs: string[];
}

const scratchPrefix = (executionId: string) => `kiln-vmtest-${executionId}-`;

/**
 * The QEMU process running the test VM of `executionId`, if one runs: the execution's scratch
 * dir holds the agent's socket, a link to the socket in the VM's own temp dir, which QEMU's
 * command line names (QEMU runs unprivileged and reads the disk through a descriptor).
 */
export function vmOf(executionId: string): SeenVm | undefined {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(scratchPrefix(executionId))) continue;
    const scratch = join(tmpdir(), name);
    let vmDir: string;
    try {
      vmDir = dirname(readlinkSync(join(scratch, 'agent.sock')));
    } catch {
      continue; // not linked yet, or gone meanwhile
    }
    const pid = qemuNaming(vmDir);
    if (pid !== undefined) return { pid, dirs: [scratch, vmDir] };
  }
  return undefined;
}

function qemuNaming(dir: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (argv.some((a) => a.endsWith('qemu-system-x86_64')) && argv.some((a) => a.includes(`${dir}/`))) return Number(entry);
  }
  return undefined;
}

/** Waits until the execution's test VM runs (a condition, polled). */
export async function waitForVm(executionId: string, timeoutMs: number): Promise<SeenVm> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const vm = vmOf(executionId);
    if (vm) return vm;
    if (Date.now() > deadline) assert.fail(`no test VM of ${executionId} started within ${timeoutMs} ms`);
    await sleep(200);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Nothing of the execution's test VM is left: no QEMU, no scratch dir (disk, socket), no temp dir of the runner. */
export async function assertVmGone(executionId: string, vm: SeenVm): Promise<void> {
  assert.ok(vm.dirs.some((d) => d.includes(scratchPrefix(executionId))), `the scratch dir was seen: ${vm.dirs.join(', ')}`);
  assert.ok(vm.dirs.length >= 2, `the runner's temp dir was seen: ${vm.dirs.join(', ')}`);
  assert.equal(alive(vm.pid), false, `QEMU (pid ${vm.pid}) still runs`);
  assert.equal(vmOf(executionId), undefined, 'a QEMU of the execution still runs');
  assert.deepEqual(vm.dirs.filter((d) => existsSync(d)), [], 'temp dirs of the VM are left');
  assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith(scratchPrefix(executionId))), [], 'scratch dirs of the execution are left');
}
