import { runCommand } from '../system/run-command.js';

/** A disk tool that failed: its command line and what it printed. */
export class ToolError extends Error {
  constructor(command: string, code: number, output: string) {
    super(`${command} exited ${code}: ${output.trim().slice(-2000)}`);
    this.name = 'ToolError';
  }
}

/**
 * Runs a disk tool (`runCommand`: no shell, C locale, the sbin folders on PATH, `env` added) and
 * returns its standard output. `signal` kills it (SIGKILL: the tools write only the export's
 * temporary files, which the caller removes) and rejects with the signal's reason.
 */
export async function runTool(file: string, args: readonly string[], options: { env?: Record<string, string>; input?: string; signal?: AbortSignal } = {}): Promise<string> {
  const result = await runCommand(file, args, { ...options, allowFailure: true });
  if (result.code !== 0) throw new ToolError([file, ...args].join(' '), result.code, `${result.stderr}${result.stdout}`);
  return result.stdout;
}
