import { spawn } from 'node:child_process';
import { systemEnv } from '../system/run-command.js';

/** A disk tool that failed: its command line and what it printed. */
export class ToolError extends Error {
  constructor(command: string, code: number | null, output: string) {
    super(`${command} exited ${code ?? 'on a signal'}: ${output.trim().slice(-2000)}`);
    this.name = 'ToolError';
  }
}

/**
 * Runs a disk tool (no shell, C locale, the sbin folders on PATH, `env` added) and returns its
 * standard output. `signal` kills it (SIGKILL: the tools write only the export's temporary
 * files, which the caller removes) and rejects with the signal's reason.
 */
export function runTool(file: string, args: readonly string[], options: { env?: Record<string, string>; input?: string; signal?: AbortSignal } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(file, args, { env: systemEnv(options.env), stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => err.push(Buffer.from(e.message)));
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) reject(options.signal.reason);
      else if (code !== 0) reject(new ToolError([file, ...args].join(' '), code, Buffer.concat([...err, ...out]).toString('utf8')));
      else resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}
