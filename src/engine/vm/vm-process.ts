import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { CleanupStack } from '../instance/cleanup-stack.js';
import { systemEnv } from '../system/run-command.js';
import { type ConsoleEvent, ConsoleWatcher } from './console-watcher.js';
import type { QemuPlan } from './qemu-args.js';
import { qmpCommand } from './qmp.js';
import type { ConsoleOutcome, RunningVm, VmExit, VmOptions } from './types.js';

/** QEMU restores the terminal on SIGTERM; SIGKILL follows when it does not end in this time. */
const TERM_GRACE_MS = 3000;
/** The last bytes of QEMU's own stderr kept for the outcome. */
const STDERR_KEEP = 4096;

/**
 * Spawns QEMU (`command`: as the VM's own unprivileged user, see vm-user.ts) in a process group
 * of its own (killed as a group), with the parent-death signal set (QEMU dies with Kiln, even
 * when Kiln is killed outright), the input disk as its descriptor 3 (`inputFd`) and stdin a
 * pipe (the terminal only when interactive). `stack` already holds the VM's files; it
 * is unwound when QEMU has exited.
 */
export function spawnVm([file, args]: [string, string[]], inputFd: number, plan: QemuPlan, options: VmOptions, stack: CleanupStack): RunningVm {
  const child = spawn(file, args, {
    detached: true,
    env: systemEnv(),
    // The input disk is QEMU's descriptor 3 (plan.inputFd).
    stdio: plan.interactive ? ['inherit', 'inherit', 'inherit', inputFd] : ['pipe', 'pipe', 'pipe', inputFd],
  });
  return new QemuVm(child, plan, options, stack);
}

class QemuVm implements RunningVm {
  readonly accel: 'kvm' | 'tcg';
  readonly pid: number;
  readonly exited: Promise<VmExit>;
  private readonly started = Date.now();
  private readonly watcher: ConsoleWatcher;
  private firstEvent: ConsoleEvent | undefined;
  private exit: VmExit | undefined;
  private stderrTail = '';
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly child: ChildProcess,
    private readonly plan: QemuPlan,
    options: VmOptions,
    stack: CleanupStack,
  ) {
    this.accel = plan.accel;
    this.pid = child.pid ?? -1;
    this.watcher = new ConsoleWatcher({ onEvent: (e) => this.onEvent(e) });
    this.watchOutput(options);
    const onAbort = () => void this.kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.exited = new Promise<VmExit>((resolve) => {
      const done = (exit: VmExit) => {
        if (this.exit) return;
        this.exit = exit;
        this.watcher.end();
        options.signal?.removeEventListener('abort', onAbort);
        this.notify();
        stack.unwind().then(() => resolve(exit), () => resolve(exit));
      };
      child.on('error', (err) => {
        this.stderrTail += `${err.message}\n`;
        done({ code: 127, signal: null });
      });
      child.on('close', (code, signal) => done({ code, signal }));
    });
    if (options.signal?.aborted) onAbort();
  }

  waitForReport(timeoutMs: number): Promise<ConsoleOutcome> {
    return new Promise((resolve) => {
      const check = () => {
        const outcome = this.outcomeNow(false);
        if (!outcome) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        resolve(this.outcomeNow(true)!);
      }, Math.max(0, timeoutMs - (Date.now() - this.started)));
      this.listeners.add(check);
      check();
    });
  }

  async powerOff(graceMs: number): Promise<VmExit> {
    if (this.exit) return this.exited;
    await qmpCommand(this.plan.qmpSocket, 'system_powerdown', Math.min(graceMs, 5000)).catch(() => undefined);
    const timer = setTimeout(() => void this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<VmExit> {
    if (!this.exit) {
      this.signalGroup('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), TERM_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  lastLines(): string[] {
    const qemu = this.stderrTail.split('\n').filter((l) => l.trim().length > 0).map((l) => `qemu: ${l}`);
    return [...this.watcher.lastLines(), ...qemu];
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.exit || this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  private watchOutput(options: VmOptions): void {
    if (this.plan.interactive) return;
    const decoder = new StringDecoder('utf8');
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      options.onConsole?.(text);
      this.watcher.feed(text);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    this.child.stdin!.on('error', () => undefined);
  }

  private onEvent(event: ConsoleEvent): void {
    this.firstEvent ??= event;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** The outcome as things stand, or undefined while the boot is still under way. */
  private outcomeNow(timedOut: boolean): ConsoleOutcome | undefined {
    const base = { seconds: Math.round((Date.now() - this.started) / 100) / 10, accel: this.accel, lastLines: this.lastLines() };
    const event = this.firstEvent;
    if (event?.kind === 'reported') {
      if ('report' in event) return { kind: 'reported', report: event.report, problems: [], ...base };
      return { kind: 'reported', problems: [`the report line is malformed: ${event.error}`], ...base };
    }
    if (event) return { kind: event.kind, problems: [problemOf(event.kind, event.line)], ...base };
    if (this.exit) return { kind: 'qemu-exited', problems: [`QEMU exited (${this.exit.signal ?? `code ${this.exit.code}`}) before the guest reported`], ...base };
    if (timedOut) return { kind: 'timeout', problems: ['the guest did not report in time'], ...base };
    return undefined;
  }
}

function problemOf(kind: 'panic' | 'initramfs-shell' | 'emergency-mode', line: string): string {
  const what = { panic: 'the kernel panicked', 'initramfs-shell': 'the boot stopped in an initramfs shell', 'emergency-mode': 'systemd went to emergency mode' }[kind];
  return `${what}: ${line.trim().slice(0, 200)}`;
}
