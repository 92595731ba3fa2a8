import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, systemEnv } from '../system/run-command.js';
import { sysHelper, type HelperProcess } from '../system/sys-helper.js';

/**
 * The runc command line. `root` is runc's state folder (`--root`; runc's default /run/runc
 * when undefined), so `runc list` there shows every container the engine has.
 */
export class Runc {
  constructor(
    readonly binary = 'runc',
    readonly root?: string,
  ) {}

  private global(): string[] {
    return this.root ? ['--root', this.root] : [];
  }

  /**
   * `runc run` in the foreground: creates, starts and waits for the container, passing its
   * stdout/stderr through as pipes, and removes it (and its cgroup) when it exits. runc's own
   * diagnostics go to `logFile` as JSON lines. The exit status is the container's. With
   * `stdin`, the container's standard input is a pipe (the child's `stdin`), else nothing.
   */
  spawnRun(bundle: string, id: string, logFile: string, stdin = false): ChildProcess | HelperProcess {
    const args = [...this.global(), '--log', logFile, '--log-format', 'json', 'run', '--bundle', bundle, id];
    // started by the system-call helper where it runs: forking a small process instead of the
    // engine saves 10-20 ms per step (the helper has no stdin to give, so not with `stdin`)
    const helper = stdin ? undefined : sysHelper();
    if (helper) return helper.spawn([this.binary, ...args]);
    return spawn(this.binary, args, {
      env: systemEnv(),
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  }

  /** Sends a signal to the container's init; false when there is no such running container. */
  async kill(id: string, signal = 'KILL'): Promise<boolean> {
    const r = await runCommand(this.binary, [...this.global(), 'kill', id, signal], { allowFailure: true });
    return r.code === 0;
  }

  /** Whether runc still has state for the container (a cheap check that spawns nothing). */
  async exists(id: string): Promise<boolean> {
    try {
      await stat(join(this.root ?? '/run/runc', id));
      return true;
    } catch {
      return false;
    }
  }

  /** `runc delete -f`: kills and removes the container; a missing one is fine. */
  async delete(id: string): Promise<void> {
    const r = await runCommand(this.binary, [...this.global(), 'delete', '-f', id], { allowFailure: true });
    if (r.code !== 0 && !/does not exist|not exist|no such/i.test(r.stderr)) {
      throw new Error(`runc delete -f ${id}: ${r.stderr.trim()}`);
    }
  }

  /** Ids of all containers runc knows in its root. */
  async list(): Promise<string[]> {
    const r = await runCommand(this.binary, [...this.global(), 'list', '-q']);
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  }
}
