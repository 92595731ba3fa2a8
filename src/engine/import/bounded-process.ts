import { spawn, type ChildProcess } from 'node:child_process';
import { systemEnv } from '../system/run-command.js';

/** The most of a process's stderr (and of a collected stdout) kept: the tail, for messages. */
const KEPT_BYTES = 64 * 1024;

export interface ProcessEnd {
  code: number;
  /** Its stdout (at most 64 KiB) when `collectStdout`. */
  stdout: string;
  /** The last 64 KiB of its stderr. */
  stderr: string;
}

export interface BoundedProcess {
  child: ChildProcess;
  /** Resolves when the process has exited and its pipes are closed. */
  done: Promise<ProcessEnd>;
}

/**
 * Starts a system command whose output comes from hostile input (a disk image): only the tail
 * of stderr is kept (and of stdout when `collectStdout`; otherwise stdout is the caller's
 * stream), and `signal` kills it (SIGKILL, since a cancelled import must not wait).
 */
export function startBounded(file: string, args: readonly string[], signal: AbortSignal | undefined, collectStdout = true): BoundedProcess {
  const child = spawn(file, args, { env: systemEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', kill, { once: true });
  if (signal?.aborted) kill();
  const out = new Tail();
  const err = new Tail();
  if (collectStdout) child.stdout!.on('data', (c: Buffer) => out.add(c));
  child.stderr!.on('data', (c: Buffer) => err.add(c));
  const done = new Promise<ProcessEnd>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', kill);
      resolve({ code: spawnError ? 127 : (code ?? 128), stdout: out.text(), stderr: spawnError ? spawnError.message : err.text() });
    });
  });
  return { child, done };
}

/** Runs a command to its end (see `startBounded`); rejects with the signal's reason when aborted. */
export async function runBounded(file: string, args: readonly string[], signal?: AbortSignal): Promise<ProcessEnd> {
  signal?.throwIfAborted();
  const end = await startBounded(file, args, signal).done;
  signal?.throwIfAborted();
  return end;
}

class Tail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - this.chunks[0]!.length >= KEPT_BYTES) this.bytes -= this.chunks.shift()!.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).subarray(-KEPT_BYTES).toString('utf8');
  }
}
