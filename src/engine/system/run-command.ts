import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';

/** The sbin folders are on the PATH of every command we run (root's tools live there). */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment for system commands: ours, with the sbin folders on PATH and a C locale. */
export function systemEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${SYSTEM_PATH}:${process.env.PATH ?? ''}`, LC_ALL: 'C', ...extra };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A system command that exited non-zero (or could not start). */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`${command} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'CommandError';
  }
}

export interface CommandOptions {
  cwd?: string;
  /** Written to the command's standard input (which is otherwise empty). */
  input?: string | Buffer;
  /** Resolve with the result instead of throwing when the command exits non-zero. */
  allowFailure?: boolean;
  /** Added to the environment (`systemEnv`). */
  env?: Record<string, string>;
  /** Kills the command (SIGKILL) when aborted; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Runs a system command (no shell) and collects its output. Throws `CommandError` when it exits
 * non-zero unless `allowFailure`; a command that cannot start resolves/throws with code 127; an
 * aborted `signal` kills it and rejects with the signal's reason.
 */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    signal?.throwIfAborted();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: systemEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const result: CommandResult = {
        code: spawnError ? 127 : (code ?? (killedBy ? 128 + signalNumber(killedBy) : 1)),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: spawnError ? String(spawnError.message) : Buffer.concat(err).toString('utf8'),
      };
      const shown = [file, ...args].join(' ');
      if (result.code !== 0 && !options.allowFailure) reject(new CommandError(shown, result));
      else resolve(result);
    });
  });
}

/** The number of a signal name (SIGKILL → 9), 0 when unknown. */
export function signalNumber(signal: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number | undefined>)[signal] ?? 0;
}
