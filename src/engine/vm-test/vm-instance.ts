import type { CleanupStack } from '../instance/cleanup-stack.js';
import { OutputListenerError, type Instance, type StepResult, type StepRun } from '../instance/instance.js';
import { UnknownUserError } from '../instance/user.js';
import type { RunningVm } from '../vm/types.js';
import type { AgentSession } from './agent-session.js';

/**
 * TESTING in a VM could not go on: the VM did not boot, the agent did not start or broke the
 * protocol, the VM stopped, or the step is one a VM test cannot run. The test phase turns it into
 * the test's failure (`VmTestFailed`, with the line), never into a silent fallback to runc.
 */
export class VmTestError extends Error {
  constructor(message: string, readonly consoleLines: readonly string[] = []) {
    super(message);
    this.name = 'VmTestError';
  }
}

/** How many console lines a VmTestError quotes. */
const QUOTED_LINES = 8;

/** The message with the VM's last console lines, for ErrorInfo and the log. */
export function withConsole(err: VmTestError): string {
  const lines = err.consoleLines.slice(-QUOTED_LINES).map((l) => l.slice(0, 160));
  return lines.length === 0 ? err.message : `${err.message} Last console lines: ${lines.join(' | ')}`;
}

/**
 * A test instance that is a VM booted from the image's bootable disk: each step runs inside it
 * through the test agent (`AgentSession`). Steps change the VM's own (throwaway) disk, so there
 * are no layers to commit; the guest is the tenant's, so any protocol violation or loss of the
 * agent kills the VM and fails the step with `VmTestError`.
 */
export class VmInstance implements Instance {
  constructor(
    private readonly vm: RunningVm,
    private readonly session: AgentSession,
    /** Everything the instance holds (scratch dir, VM, connection), unwound by `destroy`. */
    private readonly stack: CleanupStack,
  ) {}

  async run(step: StepRun): Promise<StepResult> {
    const result = (exitCode: number, timedOut: boolean, cancelled: boolean): StepResult => ({ exitCode, timedOut, cancelled, oomKilled: false, diskFull: false, upperDir: '' });
    if (step.signal?.aborted) return result(-1, false, true);
    try {
      const done = await this.session.run({ argv: step.argv, env: step.env, cwd: step.cwd, user: step.user, timeoutMs: step.timeoutMs, onOutput: step.onOutput,
        ...(step.signal ? { signal: step.signal } : {}), ...(step.stdin ? { stdin: step.stdin } : {}) });
      return result(done.exitCode, done.timedOut, done.cancelled);
    } catch (err) {
      if (err instanceof UnknownUserError || err instanceof OutputListenerError) throw err;
      // a cancel kills the VM too (the build's signal): the lost agent is the cancel's doing
      if (step.signal?.aborted) return result(-1, false, true);
      const what = err instanceof Error ? err.message : String(err);
      throw new VmTestError(`the test VM failed while the step ran: ${what}; the VM was stopped.`, this.vm.lastLines());
    }
  }

  /** The VM's disk already holds the step's changes. */
  commitStep(): void {}

  commitLayer(): void {
    throw new Error('a VM test instance takes no layers (TESTING uses no step cache)');
  }

  get tmpDir(): string {
    throw new Error('a VM test instance has no /tmp on the host (TESTING uses no step cache)');
  }

  /** A reboot ends the test VM (QEMU's -no-reboot; its disk is a throwaway overlay): the test phase never asks (see `vmTestSteps`). */
  async restart(): Promise<void> {
    throw new VmTestError('the test VM cannot restart (a reboot ends it).');
  }

  async destroy(): Promise<void> {
    this.session.close();
    await this.stack.unwind();
  }
}
